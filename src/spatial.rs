//! The one planar frame of the crate, and a nearest-neighbour index over people, volunteers and
//! shelters.
//!
//! # The planar frame
//!
//! Everything outside this module and [`crate::network`]'s internals uses WGS84 `(lon, lat)`.
//! Where we need metres on a plane (grid hashing, R-tree queries, projecting a point onto a road
//! segment) we use [`Frame`]: a local equirectangular projection around an origin, normally the
//! centre of the map's bounding box:
//!
//! ```text
//! x = (lon - lon0) * cos(lat0) * R * π / 180      (metres east of the origin)
//! y = (lat - lat0) * R * π / 180                   (metres north of the origin)
//! R = 6,371,008.8 m (mean Earth radius, the same as LonLat::distance_m)
//! ```
//!
//! Why this and not UTM or a PROJ pipeline: it is exact enough at city scale and needs no
//! dependency. The only error is the east-west scale, which is right at `lat0` and off by about
//! `tan(lat0) * Δlat` elsewhere: at Asahikawa (43.8°N) a point 15 km north or south of the origin
//! sees east-west distances 0.23% off, so a map up to 30 km across stays below 0.5% at Japanese
//! latitudes (24–46°N). Distances along the north-south axis are exact up to the sphere model.
//! The frame is affine in `(lon, lat)`, so straight lines, intersections and bounding boxes map
//! onto each other exactly; only lengths carry that small error, and lengths that are reported to
//! users are computed with haversine ([`LonLat::distance_m`]) instead.
//!
//! # The index
//!
//! [`SpatialIndex`] is an `rstar` R-tree of planar points tagged with an [`Item`]. Queries return
//! planar distances in metres and are deterministic: results are sorted by distance, then by
//! [`Item`] (people before volunteers before shelters, then by ID), so equal distances never
//! depend on the tree's internal layout.

use crate::model::{HazardId, HazardZone, LonLat, Map, PersonId, ShelterId, VolunteerId};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres, the same value geo's haversine uses.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A local equirectangular projection in metres around `origin` (see the module docs for the
/// formula and its error).
///
/// Serialised as its origin only (`{"origin": {"lon": .., "lat": ..}}`); the scale factors are
/// derived again on reading, so a stored frame cannot be inconsistent.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "FrameSpec", into = "FrameSpec")]
pub struct Frame {
    /// The point projected to `[0, 0]`.
    pub origin: LonLat,
    /// Metres per degree of longitude at the origin's latitude.
    m_per_deg_lon: f64,
    /// Metres per degree of latitude.
    m_per_deg_lat: f64,
}

/// The serialised form of a [`Frame`].
#[derive(Clone, Copy, Serialize, Deserialize)]
struct FrameSpec {
    origin: LonLat,
}

impl From<FrameSpec> for Frame {
    fn from(s: FrameSpec) -> Self {
        Frame::new(s.origin)
    }
}

impl From<Frame> for FrameSpec {
    fn from(f: Frame) -> Self {
        FrameSpec { origin: f.origin }
    }
}

impl Frame {
    /// A frame centred on `origin`.
    pub fn new(origin: LonLat) -> Self {
        let m_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        Self {
            origin,
            m_per_deg_lon: m_per_deg_lat * origin.lat.to_radians().cos(),
            m_per_deg_lat,
        }
    }

    /// A frame centred on the bounding box of `points` (ignoring non-finite ones); the frame at
    /// `(0, 0)` if there are none.
    pub fn around(points: impl IntoIterator<Item = LonLat>) -> Self {
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        for p in points {
            if p.lon.is_finite() && p.lat.is_finite() {
                lo = [lo[0].min(p.lon), lo[1].min(p.lat)];
                hi = [hi[0].max(p.lon), hi[1].max(p.lat)];
            }
        }
        if lo[0] > hi[0] {
            return Self::new(LonLat::new(0.0, 0.0));
        }
        Self::new(LonLat::new((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0))
    }

    /// A frame centred on the bounding box of everything located in `map`: road vertices,
    /// homes of people and volunteers, and shelters.
    pub fn for_map(map: &Map) -> Self {
        let roads = map.roads.iter().flat_map(|r| r.coords.iter().copied());
        let people = map.people.iter().map(|p| p.home);
        let volunteers = map.volunteers.iter().map(|v| v.home);
        let shelters = map.shelters.iter().map(|s| s.location);
        Self::around(roads.chain(people).chain(volunteers).chain(shelters))
    }

    /// Projects to planar `[x, y]` metres (east, north) from the origin.
    pub fn to_xy(&self, p: LonLat) -> [f64; 2] {
        [
            (p.lon - self.origin.lon) * self.m_per_deg_lon,
            (p.lat - self.origin.lat) * self.m_per_deg_lat,
        ]
    }

    /// The inverse of [`Frame::to_xy`]. Undefined (non-finite) for a frame at a pole.
    pub fn to_lonlat(&self, xy: [f64; 2]) -> LonLat {
        LonLat::new(
            self.origin.lon + xy[0] / self.m_per_deg_lon,
            self.origin.lat + xy[1] / self.m_per_deg_lat,
        )
    }
}

/// What a point of the [`SpatialIndex`] stands for. Ordered people < volunteers < shelters, then
/// by ID; this order breaks distance ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    Person(PersonId),
    Volunteer(VolunteerId),
    Shelter(ShelterId),
}

/// The kind of an [`Item`], for filtering queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    Person,
    Volunteer,
    Shelter,
}

impl Item {
    pub fn kind(self) -> ItemKind {
        match self {
            Item::Person(_) => ItemKind::Person,
            Item::Volunteer(_) => ItemKind::Volunteer,
            Item::Shelter(_) => ItemKind::Shelter,
        }
    }
}

/// One query result: the item and its planar distance in metres from the query point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub item: Item,
    /// Planar distance in the index's [`Frame`], metres.
    pub distance_m: f64,
}

/// An R-tree over tagged points in one [`Frame`].
#[derive(Clone, Debug)]
pub struct SpatialIndex {
    frame: Frame,
    tree: RTree<GeomWithData<[f64; 2], Item>>,
}

impl SpatialIndex {
    /// Indexes `items`. Points with non-finite coordinates are left out (validation in `io`
    /// reports them; the index must not panic on them).
    pub fn new(frame: Frame, items: impl IntoIterator<Item = (Item, LonLat)>) -> Self {
        let points = items
            .into_iter()
            .filter(|(_, p)| p.lon.is_finite() && p.lat.is_finite())
            .map(|(item, p)| GeomWithData::new(frame.to_xy(p), item))
            .collect();
        Self {
            frame,
            tree: RTree::bulk_load(points),
        }
    }

    /// Indexes every person's home, volunteer's home and shelter of `map`.
    pub fn from_map(map: &Map, frame: Frame) -> Self {
        let people = map
            .person_ids()
            .map(|id| (Item::Person(id), map.person(id).home));
        let volunteers = map
            .volunteer_ids()
            .map(|id| (Item::Volunteer(id), map.volunteer(id).home));
        let shelters = map
            .shelter_ids()
            .map(|id| (Item::Shelter(id), map.shelter(id).location));
        Self::new(frame, people.chain(volunteers).chain(shelters))
    }

    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// The `n` nearest items of kind `kind` (any kind if `None`) to `point`, nearest first;
    /// equal distances are ordered by [`Item`]. Fewer than `n` if the index holds fewer.
    pub fn nearest_n(&self, kind: Option<ItemKind>, point: LonLat, n: usize) -> Vec<Hit> {
        if n == 0 {
            return Vec::new();
        }
        let q = self.frame.to_xy(point);
        let mut hits: Vec<Hit> = Vec::new();
        for (g, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            if kind.is_some_and(|k| g.data.kind() != k) {
                continue;
            }
            let distance_m = d2.sqrt();
            // Keep collecting past n while distances tie with the n-th, so the tie-break below
            // sees every candidate.
            if hits.len() >= n && distance_m > hits[n - 1].distance_m {
                break;
            }
            hits.push(Hit {
                item: g.data,
                distance_m,
            });
        }
        sort_hits(&mut hits);
        hits.truncate(n);
        hits
    }

    /// Every item within `radius_m` (planar metres, inclusive) of `point`, nearest first, ties
    /// by [`Item`].
    pub fn within(&self, point: LonLat, radius_m: f64) -> Vec<Hit> {
        if radius_m.is_nan() || radius_m < 0.0 {
            return Vec::new();
        }
        let q = self.frame.to_xy(point);
        let mut hits: Vec<Hit> = self
            .tree
            .locate_within_distance(q, radius_m * radius_m)
            .map(|g| {
                let p = g.geom();
                Hit {
                    item: g.data,
                    distance_m: ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt(),
                }
            })
            .collect();
        sort_hits(&mut hits);
        hits
    }
}

fn sort_hits(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.item.cmp(&b.item))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASAHIKAWA: LonLat = LonLat {
        lon: 142.365,
        lat: 43.771,
    };

    #[test]
    fn frame_round_trips_and_matches_haversine_within_half_a_percent_at_city_scale() {
        let f = Frame::new(ASAHIKAWA);
        assert_eq!(f.to_xy(ASAHIKAWA), [0.0, 0.0]);
        // Points up to 15 km from the origin in every direction (a 30 km map).
        let d = 0.135; // degrees of latitude, about 15 km
        let pts = [
            LonLat::new(ASAHIKAWA.lon + d / 0.72, ASAHIKAWA.lat + d),
            LonLat::new(ASAHIKAWA.lon - d / 0.72, ASAHIKAWA.lat - d),
            LonLat::new(ASAHIKAWA.lon + d / 0.72, ASAHIKAWA.lat - d),
            LonLat::new(ASAHIKAWA.lon, ASAHIKAWA.lat + d),
        ];
        for a in pts {
            let back = f.to_lonlat(f.to_xy(a));
            assert!((back.lon - a.lon).abs() < 1e-9 && (back.lat - a.lat).abs() < 1e-9);
            for b in pts {
                let h = a.distance_m(b);
                if h < 1.0 {
                    continue;
                }
                let (pa, pb) = (f.to_xy(a), f.to_xy(b));
                let planar = ((pa[0] - pb[0]).powi(2) + (pa[1] - pb[1]).powi(2)).sqrt();
                assert!((planar - h).abs() / h < 0.005, "{planar} vs {h}");
            }
        }
    }

    #[test]
    fn frame_serialises_as_its_origin() {
        let f = Frame::new(ASAHIKAWA);
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"origin":{"lon":142.365,"lat":43.771}}"#);
        assert_eq!(serde_json::from_str::<Frame>(&json).unwrap(), f);
    }

    #[test]
    fn frame_around_uses_the_bbox_centre_and_ignores_non_finite_points() {
        let f = Frame::around([
            LonLat::new(142.0, 43.0),
            LonLat::new(143.0, 44.0),
            LonLat::new(f64::NAN, 0.0),
        ]);
        assert_eq!(f.origin, LonLat::new(142.5, 43.5));
        assert_eq!(Frame::around([]).origin, LonLat::new(0.0, 0.0));
    }

    /// Items on a line east of the origin, `step_m` apart.
    fn index_on_a_line(items: &[Item], step_m: f64) -> (SpatialIndex, Frame) {
        let f = Frame::new(ASAHIKAWA);
        let idx = SpatialIndex::new(
            f,
            items
                .iter()
                .enumerate()
                .map(|(i, it)| (*it, f.to_lonlat([i as f64 * step_m, 0.0]))),
        );
        (idx, f)
    }

    #[test]
    fn nearest_n_filters_by_kind_and_breaks_ties_by_item() {
        let f = Frame::new(ASAHIKAWA);
        // Two volunteers and a shelter at one spot (an exact tie), a person nearer.
        let spot = f.to_lonlat([100.0, 0.0]);
        let idx = SpatialIndex::new(
            f,
            [
                (Item::Shelter(ShelterId(0)), spot),
                (Item::Volunteer(VolunteerId(7)), spot),
                (Item::Volunteer(VolunteerId(3)), spot),
                (Item::Person(PersonId(0)), f.to_lonlat([10.0, 0.0])),
            ],
        );
        let hits = idx.nearest_n(Some(ItemKind::Volunteer), ASAHIKAWA, 1);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].item, Item::Volunteer(VolunteerId(3)));
        assert!((hits[0].distance_m - 100.0).abs() < 1e-6);
        let all: Vec<Item> = idx
            .nearest_n(None, ASAHIKAWA, 10)
            .iter()
            .map(|h| h.item)
            .collect();
        assert_eq!(
            all,
            [
                Item::Person(PersonId(0)),
                Item::Volunteer(VolunteerId(3)),
                Item::Volunteer(VolunteerId(7)),
                Item::Shelter(ShelterId(0)),
            ]
        );
        assert!(
            idx.nearest_n(Some(ItemKind::Shelter), ASAHIKAWA, 0)
                .is_empty()
        );
    }

    #[test]
    fn within_is_inclusive_and_sorted() {
        let items: Vec<Item> = (0..5).map(|i| Item::Person(PersonId(i))).collect();
        let (idx, f) = index_on_a_line(&items, 50.0);
        let hits = idx.within(f.origin, 100.0 + 1e-6);
        let got: Vec<Item> = hits.iter().map(|h| h.item).collect();
        assert_eq!(got, items[..3]);
        assert!(idx.within(f.origin, -1.0).is_empty());
        assert_eq!(idx.len(), 5);
    }
}

/// An R-tree over the bounding boxes of hazard zones, to find the zones containing a point
/// without testing every polygon: real layers hold thousands (Tokyo's debris-flow layer has
/// 1,688), and every person and shelter is looked up.
///
/// Boxes are in degrees: a bounding box in `(lon, lat)` contains exactly the points it contains
/// in any affine frame, so no projection is needed.
#[derive(Clone, Debug)]
pub struct HazardIndex {
    tree: RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>>,
}

impl HazardIndex {
    pub fn new(zones: &[HazardZone]) -> Self {
        use geo::BoundingRect;
        let boxes = zones
            .iter()
            .enumerate()
            .filter_map(|(i, z)| {
                let b = z.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [b.min().x, b.min().y],
                        [b.max().x, b.max().y],
                    ),
                    i as u32,
                ))
            })
            .collect();
        HazardIndex {
            tree: RTree::bulk_load(boxes),
        }
    }

    /// The zones of `zones` (the slice the index was built from) that contain `p`, on the
    /// boundary included, in ascending id order.
    pub fn containing(&self, zones: &[HazardZone], p: LonLat) -> Vec<HazardId> {
        use geo::Intersects;
        let pt = geo::Point::new(p.lon, p.lat);
        let mut out: Vec<HazardId> = self
            .tree
            .locate_all_at_point(&[p.lon, p.lat])
            .map(|g| g.data)
            .filter(|i| zones[*i as usize].geometry.intersects(&pt))
            .map(HazardId)
            .collect();
        out.sort_unstable();
        out
    }
}
