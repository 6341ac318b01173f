//! petgraph's visit traits on the road graph, so petgraph's algorithms run on it directly.
//!
//! A [`ProfileView`] is the [`RoadGraph`] as one profile sees it in given conditions with given
//! closures: a directed graph whose nodes are our [`NodeId`]s and whose arcs are the usable
//! directions of open edges ([`ArcId`]: an edge and whether it is travelled `from -> to`), each
//! weighted by its travel time in seconds. An undirected road is two arcs; a car one-way is one;
//! an edge the profile may not use, or a closed one, is none. Nothing is copied: arcs are
//! computed from the CSR adjacency as petgraph walks it, with the same speed rules and the same
//! arithmetic as [`one_to_many`](super::one_to_many), so `petgraph::algo::dijkstra(view, s,
//! None, |a| *a.weight())` gives the same times.
//!
//! Implemented: `GraphBase`, `GraphRef`, `GraphProp` (directed), `Data`, `NodeCount`,
//! `NodeIndexable`, `NodeCompactIndexable`, `IntoNodeIdentifiers`, `IntoNeighbors`,
//! `IntoNeighborsDirected`, `IntoEdges`, `IntoEdgesDirected`, `IntoEdgeReferences` and
//! `Visitable`; so `dijkstra`, `astar`, `bellman_ford`, `Dfs`/`Bfs` and `Reversed` (backward
//! searches) work. The planner itself uses our own search ([`mod@super::route`]), which is faster
//! (bounded, no hash maps; see `docs/performance.md`).

use super::graph::Incidence;
use super::route::{Conditions, Profile, RoutingParams};
use super::{Closures, EdgeId, NodeId, RoadGraph};
use petgraph::Direction as PgDirection;
use petgraph::visit::{
    Data, EdgeRef, GraphBase, GraphProp, GraphRef, IntoEdgeReferences, IntoEdges,
    IntoEdgesDirected, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers,
    NodeCompactIndexable, NodeCount, NodeIndexable, VisitMap, Visitable,
};
use serde::{Deserialize, Serialize};

/// One direction of one edge: `along` = travelled `from -> to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArcId {
    pub edge: EdgeId,
    pub along: bool,
}

/// An arc as petgraph sees it: ends, id and weight (travel seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArcRef {
    pub source: NodeId,
    pub target: NodeId,
    pub id: ArcId,
    pub secs: f64,
}

impl EdgeRef for ArcRef {
    type NodeId = NodeId;
    type EdgeId = ArcId;
    type Weight = f64;
    fn source(&self) -> NodeId {
        self.source
    }
    fn target(&self) -> NodeId {
        self.target
    }
    fn weight(&self) -> &f64 {
        &self.secs
    }
    fn id(&self) -> ArcId {
        self.id
    }
}

/// The road graph as one profile sees it: see the [module docs](self).
#[derive(Clone, Copy, Debug)]
pub struct ProfileView<'a> {
    graph: &'a RoadGraph,
    profile: Profile,
    params: &'a RoutingParams,
    closures: &'a Closures,
    factor: f64,
}

impl<'a> ProfileView<'a> {
    pub fn new(
        graph: &'a RoadGraph,
        profile: Profile,
        params: &'a RoutingParams,
        conditions: &Conditions,
        closures: &'a Closures,
    ) -> Self {
        Self {
            graph,
            profile,
            params,
            closures,
            factor: params.factor(profile, conditions),
        }
    }

    pub fn graph(&self) -> &'a RoadGraph {
        self.graph
    }

    /// The arc leaving `at` through `inc` (`outgoing`) or entering `at` through it, if usable.
    fn arc(&self, at: NodeId, inc: &Incidence, outgoing: bool) -> Option<ArcRef> {
        let edge_id = EdgeId(inc.edge);
        if self.closures.is_closed(edge_id) {
            return None;
        }
        let edge = self.graph.edge(edge_id);
        let along = if outgoing { inc.along } else { !inc.along };
        // Same arithmetic as `route::search`, so the times agree to the bit.
        let v = self.params.speed_mps(self.profile, edge, along)? * self.factor;
        if !(v.is_finite() && v > 0.0) {
            return None;
        }
        let other = NodeId(inc.other);
        let (source, target) = if outgoing { (at, other) } else { (other, at) };
        Some(ArcRef {
            source,
            target,
            id: ArcId {
                edge: edge_id,
                along,
            },
            secs: edge.length_m / v,
        })
    }
}

/// Arcs leaving (or entering) one node, in edge id order.
#[derive(Clone, Debug)]
pub struct Arcs<'a> {
    view: ProfileView<'a>,
    at: NodeId,
    outgoing: bool,
    incs: std::slice::Iter<'a, Incidence>,
}

impl Iterator for Arcs<'_> {
    type Item = ArcRef;
    fn next(&mut self) -> Option<ArcRef> {
        for inc in self.incs.by_ref() {
            if let Some(a) = self.view.arc(self.at, inc, self.outgoing) {
                return Some(a);
            }
        }
        None
    }
}

/// The far ends of [`Arcs`].
#[derive(Clone, Debug)]
pub struct ArcNeighbours<'a> {
    arcs: Arcs<'a>,
}

impl Iterator for ArcNeighbours<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        let a = self.arcs.next()?;
        Some(if self.arcs.outgoing {
            a.target
        } else {
            a.source
        })
    }
}

/// Every arc, by source node then edge id.
#[derive(Clone, Debug)]
pub struct AllArcs<'a> {
    view: ProfileView<'a>,
    next_node: u32,
    current: Option<Arcs<'a>>,
}

impl Iterator for AllArcs<'_> {
    type Item = ArcRef;
    fn next(&mut self) -> Option<ArcRef> {
        loop {
            if let Some(a) = self.current.as_mut().and_then(Iterator::next) {
                return Some(a);
            }
            if self.next_node as usize >= self.view.graph.node_count() {
                return None;
            }
            self.current = Some(self.view.arcs(NodeId(self.next_node), true));
            self.next_node += 1;
        }
    }
}

impl<'a> ProfileView<'a> {
    fn arcs(&self, at: NodeId, outgoing: bool) -> Arcs<'a> {
        Arcs {
            view: *self,
            at,
            outgoing,
            incs: self.graph.incidences(at).iter(),
        }
    }
}

/// Visited nodes, one bit per node.
#[derive(Clone, Debug, Default)]
pub struct NodeBits(Vec<u64>);

impl NodeBits {
    fn with_len(n: usize) -> Self {
        Self(vec![0; n.div_ceil(64)])
    }
}

impl VisitMap<NodeId> for NodeBits {
    fn visit(&mut self, a: NodeId) -> bool {
        let (w, b) = (a.index() / 64, 1u64 << (a.index() % 64));
        let first = self.0[w] & b == 0;
        self.0[w] |= b;
        first
    }
    fn is_visited(&self, a: &NodeId) -> bool {
        self.0[a.index() / 64] & (1 << (a.index() % 64)) != 0
    }
    fn unvisit(&mut self, a: NodeId) -> bool {
        let was = self.is_visited(&a);
        self.0[a.index() / 64] &= !(1 << (a.index() % 64));
        was
    }
}

impl GraphBase for ProfileView<'_> {
    type NodeId = NodeId;
    type EdgeId = ArcId;
}

impl GraphRef for ProfileView<'_> {}

impl GraphProp for ProfileView<'_> {
    type EdgeType = petgraph::Directed;
}

impl Data for ProfileView<'_> {
    type NodeWeight = ();
    type EdgeWeight = f64;
}

impl NodeCount for ProfileView<'_> {
    fn node_count(&self) -> usize {
        self.graph.node_count()
    }
}

impl NodeIndexable for ProfileView<'_> {
    fn node_bound(&self) -> usize {
        self.graph.node_count()
    }
    fn to_index(&self, a: NodeId) -> usize {
        a.index()
    }
    fn from_index(&self, i: usize) -> NodeId {
        NodeId(i as u32)
    }
}

impl NodeCompactIndexable for ProfileView<'_> {}

impl Visitable for ProfileView<'_> {
    type Map = NodeBits;
    fn visit_map(&self) -> NodeBits {
        NodeBits::with_len(self.graph.node_count())
    }
    fn reset_map(&self, map: &mut NodeBits) {
        map.0.clear();
        map.0.resize(self.graph.node_count().div_ceil(64), 0);
    }
}

impl IntoNodeIdentifiers for ProfileView<'_> {
    type NodeIdentifiers = std::iter::Map<std::ops::Range<u32>, fn(u32) -> NodeId>;
    fn node_identifiers(self) -> Self::NodeIdentifiers {
        (0..self.graph.node_count() as u32).map(NodeId as fn(u32) -> NodeId)
    }
}

impl<'a> IntoNeighbors for ProfileView<'a> {
    type Neighbors = ArcNeighbours<'a>;
    fn neighbors(self, a: NodeId) -> ArcNeighbours<'a> {
        ArcNeighbours {
            arcs: self.arcs(a, true),
        }
    }
}

impl<'a> IntoNeighborsDirected for ProfileView<'a> {
    type NeighborsDirected = ArcNeighbours<'a>;
    fn neighbors_directed(self, n: NodeId, d: PgDirection) -> ArcNeighbours<'a> {
        ArcNeighbours {
            arcs: self.arcs(n, d == PgDirection::Outgoing),
        }
    }
}

impl<'a> IntoEdgeReferences for ProfileView<'a> {
    type EdgeRef = ArcRef;
    type EdgeReferences = AllArcs<'a>;
    fn edge_references(self) -> AllArcs<'a> {
        AllArcs {
            view: self,
            next_node: 0,
            current: None,
        }
    }
}

impl<'a> IntoEdges for ProfileView<'a> {
    type Edges = Arcs<'a>;
    fn edges(self, a: NodeId) -> Arcs<'a> {
        self.arcs(a, true)
    }
}

impl<'a> IntoEdgesDirected for ProfileView<'a> {
    type EdgesDirected = Arcs<'a>;
    fn edges_directed(self, a: NodeId, dir: PgDirection) -> Arcs<'a> {
        self.arcs(a, dir == PgDirection::Outgoing)
    }
}
