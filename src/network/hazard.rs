//! Closures: which edges cannot be used, as a bitset laid over an unchanged [`RoadGraph`].
//!
//! A scenario (a flood of a given depth, a landslide, a road the district knows is blocked)
//! becomes a [`Closures`] value; searches skip closed edges in both directions. Building one
//! never touches the graph, so many scenarios can share one graph.
//!
//! Polygon tests: candidate edges come from the graph's R-tree of segments, queried with each
//! polygon's bounding box; each candidate is then tested exactly with `geo::Intersects` on the
//! segment as a `geo::Line` in `(lon, lat)`. Testing in degrees is exact for our purpose because
//! the planar frame is affine in `(lon, lat)` (see [`crate::spatial`]): a segment meets a polygon
//! in one coordinate system if and only if it does in the other. An edge that only touches a
//! polygon's boundary counts as intersecting (closed): the conservative side.

use super::{EdgeId, NetworkError, RoadGraph};
use crate::model::{HazardKind, HazardZone};
use geo::{BoundingRect, Intersects, MultiPolygon, Polygon};
use std::collections::BTreeSet;

/// A set of closed edges of one graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Closures {
    bits: Vec<u64>,
    len: usize,
}

impl Closures {
    /// Nothing closed, sized for `graph`.
    pub fn none(graph: &RoadGraph) -> Self {
        Self::with_len(graph.edge_count())
    }

    /// Nothing closed, for a graph of `edge_count` edges.
    pub fn with_len(edge_count: usize) -> Self {
        Self {
            bits: vec![0; edge_count.div_ceil(64)],
            len: edge_count,
        }
    }

    /// Number of edges covered (the graph's edge count).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether edge `e` is closed. Edges beyond the set's length count as open, so an empty
    /// `Closures::default()` means "nothing closed" for any graph.
    pub fn is_closed(&self, e: EdgeId) -> bool {
        let i = e.index();
        i < self.len && self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// Closes edge `e`. Panics if `e` is beyond the set's length (an id from another graph).
    pub fn close(&mut self, e: EdgeId) {
        let i = e.index();
        assert!(
            i < self.len,
            "edge {i} beyond closures of {} edges",
            self.len
        );
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// Opens edge `e` again. Panics if `e` is beyond the set's length.
    pub fn open(&mut self, e: EdgeId) {
        let i = e.index();
        assert!(
            i < self.len,
            "edge {i} beyond closures of {} edges",
            self.len
        );
        self.bits[i / 64] &= !(1 << (i % 64));
    }

    /// Closes every edge closed in `other` too (for combining scenarios).
    pub fn union_with(&mut self, other: &Closures) {
        if other.len > self.len {
            self.bits.resize(other.bits.len(), 0);
            self.len = other.len;
        }
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= *b;
        }
    }

    /// Number of closed edges.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Closed edges in id order.
    pub fn iter(&self) -> impl Iterator<Item = EdgeId> + '_ {
        (0..self.len as u32)
            .map(EdgeId)
            .filter(|e| self.is_closed(*e))
    }
}

/// Closes every edge of the roads whose ext id is in `ext_ids`. Errors with the full list of
/// ids that match no road of the graph (nothing is returned closed in that case, so a typo in a
/// scenario cannot silently leave a road open).
pub fn close_roads<'a>(
    graph: &RoadGraph,
    ext_ids: impl IntoIterator<Item = &'a str>,
) -> Result<Closures, NetworkError> {
    let wanted: BTreeSet<&str> = ext_ids.into_iter().collect();
    let mut found: BTreeSet<&str> = BTreeSet::new();
    let mut roads = vec![false; graph.road_count()];
    for (i, r) in roads.iter_mut().enumerate() {
        let ext = graph.road_ext_id(crate::model::RoadId(i as u32));
        if let Some(w) = wanted.get(ext) {
            *r = true;
            found.insert(w);
        }
    }
    let unknown: Vec<String> = wanted.difference(&found).map(|s| s.to_string()).collect();
    if !unknown.is_empty() {
        return Err(NetworkError::UnknownRoads { ids: unknown });
    }
    let mut c = Closures::none(graph);
    for (id, e) in graph.edges() {
        if roads[e.road.index()] {
            c.close(id);
        }
    }
    Ok(c)
}

/// Closes every edge that intersects (or touches) `area`, given in `(lon, lat)`.
pub fn close_polygon(graph: &RoadGraph, area: &MultiPolygon<f64>) -> Closures {
    let mut c = Closures::none(graph);
    for poly in area {
        close_edges_meeting(graph, poly, &mut c);
    }
    c
}

fn close_edges_meeting(graph: &RoadGraph, poly: &Polygon<f64>, c: &mut Closures) {
    for_edges_meeting(graph, poly, c, |c, id| c.is_closed(id), |c, id| c.close(id));
}

/// Calls `hit(state, e)` on every edge `e` that intersects (or touches) `poly` (given in
/// `(lon, lat)`), skipping edges for which `done(state, e)` is already true (they are not
/// tested again). Shared by [`Closures`] and [`EdgeClock`](super::EdgeClock), so both close
/// exactly the same edges.
pub(super) fn for_edges_meeting<S>(
    graph: &RoadGraph,
    poly: &Polygon<f64>,
    state: &mut S,
    done: impl Fn(&S, EdgeId) -> bool,
    mut hit: impl FnMut(&mut S, EdgeId),
) {
    let Some(bb) = poly.bounding_rect() else {
        return;
    };
    let frame = graph.frame();
    let lo = frame.to_xy(crate::model::LonLat::new(bb.min().x, bb.min().y));
    let hi = frame.to_xy(crate::model::LonLat::new(bb.max().x, bb.max().y));
    for e in graph.edges_in_box(lo, hi) {
        let id = EdgeId(e);
        if !done(state, id) && graph.edge_line(id).intersects(poly) {
            hit(state, id);
        }
    }
}

/// Closes the edges made impassable by the active hazard zones.
///
/// A zone counts if `active(zone.kind)`. A zone with a depth rank (floods) closes the edges it
/// intersects when the rank's lower bound ([`crate::model::DepthRank::min_m`]) is at or above
/// `impassable_depth_m`: the whole band is at least that deep. A zone without a depth rank
/// (landslide, house collapse, or a flood zone whose depth is unknown) closes every edge it
/// intersects: without a depth we cannot call it passable.
///
/// Cost: one R-tree query per polygon plus an exact test per candidate edge (linear in the
/// polygon's vertices); edges already closed are not tested again.
pub fn hazard_closures(
    graph: &RoadGraph,
    zones: &[HazardZone],
    active: impl Fn(HazardKind) -> bool,
    impassable_depth_m: f64,
) -> Closures {
    let mut c = Closures::none(graph);
    for zone in zones {
        if !active(zone.kind) {
            continue;
        }
        if let Some(rank) = zone.depth_rank
            && rank.min_m() < impassable_depth_m
        {
            continue;
        }
        for poly in &zone.geometry {
            close_edges_meeting(graph, poly, &mut c);
        }
    }
    c
}
