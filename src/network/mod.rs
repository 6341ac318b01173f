//! The road network: a graph built from the map's roads, snapping points onto it, routing
//! profiles (walk, slow walk, wheelchair, stretcher, car) with night and winter factors, and
//! closures from hazard zones or named roads.
//!
//! # Why it is built this way
//!
//! - [`RoadGraph`] ([`graph`]) stores nodes and edges in `Vec` arenas addressed by [`NodeId`] and
//!   [`EdgeId`], plus a compressed sparse row (CSR) adjacency: for each node, one contiguous run
//!   of incidences `(edge, other node, along?)`. Each road segment is **one** edge carrying its
//!   car direction (`oneway`), so a forward search and a backward search ("from every helper to
//!   this person") walk the same incidence lists and only read the direction flag differently,
//!   and a closure closes both directions with one bit. We do not use `petgraph::Graph` for the
//!   search: its adjacency is a linked list threaded through the edge array, which is slower to
//!   walk and gives no natural place for the direction flag. petgraph still provides the
//!   union-find behind [`RoadGraph::component`], and [`RoadGraph::to_petgraph`] exports the graph
//!   for its algorithms.
//! - Vertices of different roads are merged within a tolerance ([`GraphParams::merge_tolerance_m`])
//!   by a grid hash in the planar [`Frame`](crate::spatial::Frame), in road order, so building is
//!   O(n) and deterministic.
//! - Closures ([`Closures`], [`hazard`]) are a bitset over edges laid over an unchanged graph:
//!   a scenario can close roads thousands of times without rebuilding anything.
//! - The search ([`mod@route`]) is our own binary-heap Dijkstra over dense `Vec<f64>` distances with
//!   a reusable [`SearchTree`]; settle order is deterministic (ties by node id).
//! - Time-dependent routing ([`timed`]): an [`EdgeClock`] per profile says when each edge closes
//!   (water arrives too deep for that profile); [`earliest_arrival_into`] and
//!   [`latest_departure_into`] use an edge only if it is left, with a safety margin, before it
//!   closes. Speeds do not depend on time, so waiting never helps and both stay exact Dijkstras.
//!
//! Key types: [`RoadGraph`], [`GraphParams`], [`Snap`], [`Profile`], [`RoutingParams`],
//! [`Conditions`], [`Closures`], [`SearchTree`], [`Route`], [`EdgeClock`], [`LatestTree`].

pub mod graph;
pub mod hazard;
pub mod route;
pub mod timed;

#[cfg(test)]
mod tests;

pub use graph::{ComponentId, EdgeData, GraphParams, NodeData, RoadGraph, Snap};
pub use hazard::{Closures, close_polygon, close_roads, hazard_closures};
pub use route::{
    Conditions, Direction, FootSpeeds, Profile, Route, RoutingParams, SearchTree, Weather,
    one_to_many, one_to_many_into, route,
};
pub use timed::{EdgeClock, LatestTree, earliest_arrival_into, latest_departure_into};

use serde::{Deserialize, Serialize};

/// Index of a node of a [`RoadGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of an edge (one road segment, both directions) of a [`RoadGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EdgeId(pub u32);

impl EdgeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What can go wrong building or querying the network from user data.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NetworkError {
    #[error(
        "road {road_ext_id:?} vertex {vertex}: coordinate ({lon}, {lat}) is not a valid WGS84 position"
    )]
    BadCoordinate {
        road_ext_id: String,
        vertex: usize,
        lon: f64,
        lat: f64,
    },
    #[error("graph parameter {name} = {value} is invalid: expected {expected}")]
    BadParam {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("too many road vertices for the graph: {count} (at most {max})")]
    TooLarge { count: usize, max: usize },
    #[error("unknown road ids: {}", ids.join(", "))]
    UnknownRoads { ids: Vec<String> },
}
