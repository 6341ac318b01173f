//! The part of a map a route map draws: roads and hazard zones whose bounding boxes meet a box
//! around the plotted points.
//!
//! [`MapView::around`] scans the whole map (fine for one sheet); [`MapIndex`] builds an R-tree
//! over road and hazard bounding boxes once, so cutting views for thousands of plans stays cheap.
//! Both give the same view. The box is widened to the drawing's aspect ratio
//! ([`super::svg::MAP_W`] : [`super::svg::MAP_H`]) so the drawing is filled edge to edge.

use crate::model::{DepthRank, HazardKind, HazardZone, LonLat, Map, Road, RoadClass};
use crate::plan::Plan;
use crate::spatial::Frame;
use geo::{BooleanOps, BoundingRect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Smallest box drawn, metres east-west: a single point still shows its street block.
const MIN_WIDTH_M: f64 = 400.0;

/// One road line of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewRoad {
    pub coords: Vec<LonLat>,
    pub class: RoadClass,
    /// Street name (OSM `name`; 条・丁目 streets in the synthetic city), empty if none.
    pub name: String,
}

/// One hazard zone of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewHazard {
    pub kind: HazardKind,
    pub depth_rank: Option<DepthRank>,
    /// The zone's source (river, map), to name it on the sheet.
    pub source: String,
    pub geometry: geo::MultiPolygon<f64>,
}

/// What a route map needs, cut from a [`Map`] around some points.
#[derive(Clone, Debug, PartialEq)]
pub struct MapView {
    /// South-west corner of the drawn box.
    pub min: LonLat,
    /// North-east corner of the drawn box.
    pub max: LonLat,
    /// Roads meeting the box, in map order.
    pub roads: Vec<ViewRoad>,
    /// Hazard zones meeting the box, in map order.
    pub hazards: Vec<ViewHazard>,
}

impl MapView {
    /// Cuts the roads and hazard zones of `map` meeting the box around `points` widened by
    /// `margin_m` metres (and to the drawing's aspect). Scans every road and zone: use
    /// [`MapIndex::view`] for many views of one map.
    pub fn around(map: &Map, points: &[LonLat], margin_m: f64) -> MapView {
        let (min, max) = view_box(points, margin_m);
        let roads = map
            .roads
            .iter()
            .filter(|r| line_bbox(&r.coords).is_some_and(|b| meets(b, min, max)));
        let hazards = map
            .hazards
            .iter()
            .filter(|h| poly_bbox(&h.geometry).is_some_and(|b| meets(b, min, max)));
        cut(roads, hazards, min, max)
    }

    /// Centre of the box.
    pub fn center(&self) -> LonLat {
        LonLat::new(
            (self.min.lon + self.max.lon) / 2.0,
            (self.min.lat + self.max.lat) / 2.0,
        )
    }
}

/// An R-tree over the bounding boxes of a map's roads and hazard zones, built once.
pub struct MapIndex<'a> {
    map: &'a Map,
    roads: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    hazards: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl<'a> MapIndex<'a> {
    /// Indexes `map` (roads and zones without finite coordinates are left out).
    pub fn new(map: &'a Map) -> Self {
        let rect = |(lo, hi): ([f64; 2], [f64; 2]), i| {
            GeomWithData::new(Rectangle::from_corners(lo, hi), i)
        };
        let roads = map
            .roads
            .iter()
            .enumerate()
            .filter_map(|(i, r)| line_bbox(&r.coords).map(|b| rect(b, i)))
            .collect();
        let hazards = map
            .hazards
            .iter()
            .enumerate()
            .filter_map(|(i, h)| poly_bbox(&h.geometry).map(|b| rect(b, i)))
            .collect();
        Self {
            map,
            roads: RTree::bulk_load(roads),
            hazards: RTree::bulk_load(hazards),
        }
    }

    /// The map this index was built over.
    pub fn map(&self) -> &'a Map {
        self.map
    }

    /// Same as [`MapView::around`] over the indexed map, without scanning it.
    pub fn view(&self, points: &[LonLat], margin_m: f64) -> MapView {
        let (min, max) = view_box(points, margin_m);
        let env = AABB::from_corners([min.lon, min.lat], [max.lon, max.lat]);
        let hits = |tree: &RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>| {
            let mut v: Vec<usize> = tree
                .locate_in_envelope_intersecting(&env)
                .map(|g| g.data)
                .collect();
            // The tree's order depends on its layout; map order keeps drawings deterministic.
            v.sort_unstable();
            v
        };
        let roads = hits(&self.roads).into_iter().map(|i| &self.map.roads[i]);
        let hazards = hits(&self.hazards)
            .into_iter()
            .map(|i| &self.map.hazards[i]);
        cut(roads, hazards, min, max)
    }
}

/// The view of the given roads and zones, cut to the box (with a tenth of its size to spare, so
/// that cut edges fall outside the drawing): long streets keep only the runs of segments that
/// meet the box, zones are intersected with it. City-long streets and river-long flood strips
/// would otherwise be drawn whole on every sheet.
fn cut<'a>(
    roads: impl Iterator<Item = &'a Road>,
    hazards: impl Iterator<Item = &'a HazardZone>,
    min: LonLat,
    max: LonLat,
) -> MapView {
    let (dx, dy) = ((max.lon - min.lon) / 10.0, (max.lat - min.lat) / 10.0);
    let (lo, hi) = (
        LonLat::new(min.lon - dx, min.lat - dy),
        LonLat::new(max.lon + dx, max.lat + dy),
    );
    let mut view_roads = Vec::new();
    for r in roads {
        let mut run: Vec<LonLat> = Vec::new();
        for seg in r.coords.windows(2) {
            if line_bbox(seg).is_some_and(|b| meets(b, lo, hi)) {
                if run.is_empty() {
                    run.push(seg[0]);
                }
                run.push(seg[1]);
            } else if !run.is_empty() {
                view_roads.push(ViewRoad {
                    coords: std::mem::take(&mut run),
                    class: r.class,
                    name: r.name.clone(),
                });
            }
        }
        if !run.is_empty() {
            view_roads.push(ViewRoad {
                coords: run,
                class: r.class,
                name: r.name.clone(),
            });
        }
    }
    let frame = geo::Rect::new((lo.lon, lo.lat), (hi.lon, hi.lat)).to_polygon();
    let hazards = hazards
        .filter_map(|h| {
            // The overlay library does not panic on odd rings as far as we know; if it ever
            // did, an unclipped zone (clipped by the SVG itself) is better than no sheet.
            let clipped = std::panic::catch_unwind(|| h.geometry.intersection(&frame))
                .unwrap_or_else(|_| h.geometry.clone());
            (!clipped.0.is_empty()).then_some(ViewHazard {
                kind: h.kind,
                depth_rank: h.depth_rank,
                source: h.source.clone(),
                geometry: clipped,
            })
        })
        .collect();
    MapView {
        min,
        max,
        roads: view_roads,
        hazards,
    }
}

/// The points a plan sheet's map shows: home, destination, evacuation route, helpers' homes and
/// routes.
pub fn plan_points(plan: &Plan) -> Vec<LonLat> {
    let mut pts = vec![plan.home];
    pts.extend(plan.destination.as_ref().map(|d| d.location));
    pts.extend(plan.route.iter().copied());
    for h in &plan.helpers {
        pts.push(h.home);
        pts.extend(h.route.iter().copied());
    }
    pts
}

/// The points a helper card's map for one person shows: the helper's home and route to the
/// person, the person's home, route and destination.
pub fn card_points(plan: &Plan, helper_id: &str) -> Vec<LonLat> {
    let mut pts = vec![plan.home];
    pts.extend(plan.destination.as_ref().map(|d| d.location));
    pts.extend(plan.route.iter().copied());
    for h in plan.helpers.iter().filter(|h| h.id == helper_id) {
        pts.push(h.home);
        pts.extend(h.route.iter().copied());
    }
    pts
}

/// The drawn box: the bbox of the finite `points`, widened by `margin_m`, to at least
/// [`MIN_WIDTH_M`] and to the drawing's aspect ratio.
fn view_box(points: &[LonLat], margin_m: f64) -> (LonLat, LonLat) {
    let finite: Vec<LonLat> = points
        .iter()
        .copied()
        .filter(|p| p.lon.is_finite() && p.lat.is_finite())
        .collect();
    let frame = Frame::around(finite.iter().copied());
    let (mut lo, mut hi) = ([0.0f64, 0.0], [0.0f64, 0.0]);
    for p in &finite {
        let [x, y] = frame.to_xy(*p);
        lo = [lo[0].min(x), lo[1].min(y)];
        hi = [hi[0].max(x), hi[1].max(y)];
    }
    let margin = if margin_m.is_finite() {
        margin_m.max(0.0)
    } else {
        0.0
    };
    let mut half_w = (hi[0] - lo[0]) / 2.0 + margin;
    let mut half_h = (hi[1] - lo[1]) / 2.0 + margin;
    let cx = (lo[0] + hi[0]) / 2.0;
    let cy = (lo[1] + hi[1]) / 2.0;
    half_w = half_w.max(MIN_WIDTH_M / 2.0);
    let aspect = super::svg::MAP_W / super::svg::MAP_H;
    if half_w / half_h.max(f64::MIN_POSITIVE) < aspect {
        half_w = half_h * aspect;
    } else {
        half_h = half_w / aspect;
    }
    (
        frame.to_lonlat([cx - half_w, cy - half_h]),
        frame.to_lonlat([cx + half_w, cy + half_h]),
    )
}

fn line_bbox(coords: &[LonLat]) -> Option<([f64; 2], [f64; 2])> {
    bbox(coords.iter().map(|p| [p.lon, p.lat]))
}

fn poly_bbox(mp: &geo::MultiPolygon<f64>) -> Option<([f64; 2], [f64; 2])> {
    let r = mp.bounding_rect()?;
    let (lo, hi) = (r.min(), r.max());
    [lo.x, lo.y, hi.x, hi.y]
        .iter()
        .all(|v| v.is_finite())
        .then_some(([lo.x, lo.y], [hi.x, hi.y]))
}

fn bbox(pts: impl Iterator<Item = [f64; 2]>) -> Option<([f64; 2], [f64; 2])> {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for [x, y] in pts.filter(|p| p[0].is_finite() && p[1].is_finite()) {
        lo = [lo[0].min(x), lo[1].min(y)];
        hi = [hi[0].max(x), hi[1].max(y)];
    }
    (lo[0] <= hi[0]).then_some((lo, hi))
}

fn meets((lo, hi): ([f64; 2], [f64; 2]), min: LonLat, max: LonLat) -> bool {
    lo[0] <= max.lon && hi[0] >= min.lon && lo[1] <= max.lat && hi[1] >= min.lat
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Oneway, Road};

    fn road(id: &str, coords: &[(f64, f64)]) -> Road {
        Road {
            ext_id: id.into(),
            coords: coords.iter().map(|&(x, y)| LonLat::new(x, y)).collect(),
            class: RoadClass::Residential,
            bridge: false,
            tunnel: false,
            oneway: Oneway::No,
            wheelchair: None,
            name: String::new(),
        }
    }

    /// A 20 x 20 grid of short roads around (142.35, 43.75), about 80 m apart.
    fn grid_map() -> Map {
        let mut map = Map::default();
        for i in 0..20 {
            for j in 0..20 {
                let (x, y) = (142.34 + i as f64 * 0.001, 43.745 + j as f64 * 0.0008);
                map.roads
                    .push(road(&format!("r{i}-{j}"), &[(x, y), (x + 0.001, y)]));
            }
        }
        map
    }

    #[test]
    fn index_view_equals_scanning_view() {
        let map = grid_map();
        let index = MapIndex::new(&map);
        for pts in [
            vec![LonLat::new(142.35, 43.75)],
            vec![LonLat::new(142.345, 43.746), LonLat::new(142.355, 43.752)],
            vec![LonLat::new(150.0, 10.0)],
            vec![],
        ] {
            let a = MapView::around(&map, &pts, 100.0);
            let b = index.view(&pts, 100.0);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn view_box_has_the_drawing_aspect_and_contains_the_points() {
        let pts = [LonLat::new(142.34, 43.75), LonLat::new(142.36, 43.751)];
        let (min, max) = view_box(&pts, 50.0);
        let f = Frame::new(LonLat::new(
            (min.lon + max.lon) / 2.0,
            (min.lat + max.lat) / 2.0,
        ));
        let [x0, y0] = f.to_xy(min);
        let [x1, y1] = f.to_xy(max);
        let aspect = (x1 - x0) / (y1 - y0);
        assert!((aspect - super::super::svg::MAP_W / super::super::svg::MAP_H).abs() < 1e-6);
        for p in pts {
            assert!(p.lon > min.lon && p.lon < max.lon && p.lat > min.lat && p.lat < max.lat);
        }
    }

    #[test]
    fn far_roads_are_left_out() {
        let map = grid_map();
        let v = MapView::around(&map, &[LonLat::new(142.341, 43.7455)], 10.0);
        assert!(!v.roads.is_empty());
        assert!(v.roads.len() < map.roads.len() / 4);
    }
}
