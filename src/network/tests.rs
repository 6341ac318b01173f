//! Tests of the network: tiny hand-made maps for each rule, and a slow reference (Dijkstra on a
//! dense matrix built straight from the edge list, with its own speed rules) compared with
//! [`one_to_many`] on hundreds of seeded random graphs.

use super::*;
use crate::model::{DepthRank, HazardKind, HazardZone, LonLat, Oneway, Road, RoadClass};
use crate::rng::Rng;
use crate::spatial::Frame;
use geo::{MultiPolygon, polygon};

mod petgraph_routing;
mod timed_routing;

const ORIGIN: LonLat = LonLat {
    lon: 142.365,
    lat: 43.771,
};

fn frame() -> Frame {
    Frame::new(ORIGIN)
}

/// A road through planar points (metres east, north of [`ORIGIN`]).
fn road(ext_id: &str, xy: &[[f64; 2]], class: RoadClass) -> Road {
    Road {
        ext_id: ext_id.into(),
        coords: xy.iter().map(|p| frame().to_lonlat(*p)).collect(),
        class,
        bridge: false,
        tunnel: false,
        oneway: Oneway::No,
        wheelchair: None,
        name: String::new(),
    }
}

/// `nx` × `ny` residential grid, 100 m spacing: roads `h{j}` run east, `v{i}` run north.
fn grid_roads(nx: usize, ny: usize) -> Vec<Road> {
    let mut roads = Vec::new();
    for j in 0..ny {
        let pts: Vec<[f64; 2]> = (0..nx)
            .map(|i| [i as f64 * 100.0, j as f64 * 100.0])
            .collect();
        roads.push(road(&format!("h{j}"), &pts, RoadClass::Residential));
    }
    for i in 0..nx {
        let pts: Vec<[f64; 2]> = (0..ny)
            .map(|j| [i as f64 * 100.0, j as f64 * 100.0])
            .collect();
        roads.push(road(&format!("v{i}"), &pts, RoadClass::Residential));
    }
    roads
}

fn build(roads: &[Road]) -> RoadGraph {
    RoadGraph::build(roads, frame(), GraphParams::default()).unwrap()
}

/// The node at planar point `xy` (exactly, within 1 cm).
fn node_at(g: &RoadGraph, xy: [f64; 2]) -> NodeId {
    g.node_ids()
        .find(|n| {
            let p = g.node(*n).xy;
            (p[0] - xy[0]).abs() < 0.01 && (p[1] - xy[1]).abs() < 0.01
        })
        .unwrap_or_else(|| panic!("no node at {xy:?}"))
}

fn secs_between(
    g: &RoadGraph,
    profile: Profile,
    conditions: &Conditions,
    closures: &Closures,
    a: [f64; 2],
    b: [f64; 2],
) -> Option<f64> {
    route(
        g,
        profile,
        &RoutingParams::default(),
        conditions,
        closures,
        node_at(g, a),
        node_at(g, b),
    )
    .map(|r| r.secs)
}

fn clear() -> Conditions {
    Conditions::default()
}

// ---------------------------------------------------------------- building

#[test]
fn grid_has_one_node_per_crossing_and_one_edge_per_block_side() {
    let g = build(&grid_roads(3, 3));
    assert_eq!(g.node_count(), 9);
    assert_eq!(g.edge_count(), 12);
    assert_eq!(g.component_count(), 1);
    assert_eq!(g.component_size(ComponentId(0)), 9);
    for (_, e) in g.edges() {
        assert!((e.length_m - 100.0).abs() < 0.5, "{}", e.length_m);
    }
    let pg = g.to_petgraph();
    assert_eq!((pg.node_count(), pg.edge_count()), (9, 12));
}

#[test]
fn vertices_merge_within_tolerance_and_not_beyond() {
    let a = road("a", &[[0.0, 0.0], [100.0, 0.0]], RoadClass::Residential);
    let near = road("b", &[[100.4, 0.0], [200.0, 0.0]], RoadClass::Residential);
    let far = road("b", &[[100.6, 0.0], [200.0, 0.0]], RoadClass::Residential);
    let g = build(&[a.clone(), near]);
    assert_eq!(
        (g.node_count(), g.edge_count(), g.component_count()),
        (3, 2, 1)
    );
    let g = build(&[a.clone(), far.clone()]);
    assert_eq!(
        (g.node_count(), g.edge_count(), g.component_count()),
        (4, 2, 2)
    );
    // A larger tolerance joins them.
    let params = GraphParams {
        merge_tolerance_m: 1.0,
        ..GraphParams::default()
    };
    let g = RoadGraph::build(&[a, far], frame(), params).unwrap();
    assert_eq!(g.component_count(), 1);
}

#[test]
fn merging_picks_the_nearest_node_and_is_greedy_not_transitive() {
    // Nodes at x = 0 and x = 0.8; a vertex at 0.45 is within 0.5 m of both and joins the
    // nearer (0.8 is 0.35 away).
    let roads = [
        road("a", &[[0.0, 0.0], [0.0, 100.0]], RoadClass::Residential),
        road("b", &[[0.8, 0.0], [0.8, -100.0]], RoadClass::Residential),
        road("c", &[[0.45, 0.0], [50.0, 50.0]], RoadClass::Residential),
    ];
    let g = build(&roads);
    assert_eq!(g.node_count(), 5);
    let c_edge = g
        .edges()
        .find(|(_, e)| g.road_ext_id(e.road) == "c")
        .unwrap()
        .1;
    assert_eq!(c_edge.from, node_at(&g, [0.8, 0.0]));
    assert_eq!(g.component_count(), 2);
}

#[test]
fn zero_length_segments_and_degenerate_roads_leave_no_trace() {
    let roads = [
        road(
            "a",
            &[[0.0, 0.0], [0.0, 0.0], [0.1, 0.0], [100.0, 0.0]],
            RoadClass::Footway,
        ),
        road("dot", &[[500.0, 500.0]], RoadClass::Footway),
        road("stub", &[[900.0, 0.0], [900.2, 0.0]], RoadClass::Footway),
    ];
    let g = build(&roads);
    assert_eq!((g.node_count(), g.edge_count()), (2, 1));
    assert_eq!(g.edge(EdgeId(0)).road, crate::model::RoadId(0));
}

#[test]
fn bad_coordinates_and_parameters_are_errors_with_context() {
    let mut r = road("w123", &[[0.0, 0.0], [10.0, 0.0]], RoadClass::Footway);
    r.coords[1].lat = f64::NAN;
    match RoadGraph::build(&[r], frame(), GraphParams::default()) {
        Err(NetworkError::BadCoordinate {
            road_ext_id,
            vertex,
            ..
        }) => assert_eq!((road_ext_id.as_str(), vertex), ("w123", 1)),
        other => panic!("{other:?}"),
    }
    let params = GraphParams {
        merge_tolerance_m: -1.0,
        ..GraphParams::default()
    };
    assert!(matches!(
        RoadGraph::build(&[], frame(), params),
        Err(NetworkError::BadParam {
            name: "merge_tolerance_m",
            ..
        })
    ));
    let empty = build(&[]);
    assert_eq!((empty.node_count(), empty.component_count()), (0, 0));
    assert!(empty.snap(ORIGIN).is_none());
    assert!(empty.largest_component().is_none());
}

#[test]
fn components_are_numbered_by_lowest_node_and_largest_is_found() {
    let mut roads = vec![road(
        "lone",
        &[[-500.0, 0.0], [-400.0, 0.0]],
        RoadClass::Footway,
    )];
    roads.extend(grid_roads(2, 2));
    let g = build(&roads);
    assert_eq!(g.component_count(), 2);
    assert_eq!(g.component(NodeId(0)), ComponentId(0));
    assert_eq!(g.component_size(ComponentId(0)), 2);
    assert_eq!(g.component_size(ComponentId(1)), 4);
    assert_eq!(g.largest_component(), Some(ComponentId(1)));
    // Snapping can be kept to the largest component: a point by the lone road goes to the grid.
    let p = frame().to_lonlat([-450.0, 5.0]);
    assert_eq!(g.component(g.snap(p).unwrap().node), ComponentId(0));
    let big = g.largest_component().unwrap();
    let s = g.snap_where(p, |_, e| g.component(e.from) == big).unwrap();
    assert_eq!(s.node, node_at(&g, [0.0, 0.0]));
    // 450 m from the grid: snapped, but flagged off-network (default limit 300 m).
    assert!(s.off_network && (s.distance_m - 450.0).abs() < 1.0);
}

#[test]
fn routing_params_round_trip_and_accept_partial_overrides() {
    let p = RoutingParams::default();
    let back: RoutingParams = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let q: RoutingParams = serde_json::from_str(
        r#"{"car_mps": 2.0, "wheelchair": {"flat_mps": 1.0, "steps_mps": null}}"#,
    )
    .unwrap();
    assert_eq!(
        (q.car_mps, q.wheelchair.flat_mps, q.walk),
        (2.0, 1.0, p.walk)
    );
    let g = build(&grid_roads(2, 2));
    // A nonsense speed makes edges unusable instead of panicking or looping.
    let bad = RoutingParams { car_mps: 0.0, ..p };
    let t = one_to_many(
        &g,
        Profile::Car,
        &bad,
        &clear(),
        &Closures::none(&g),
        NodeId(0),
        Direction::Forward,
        f64::INFINITY,
    );
    assert_eq!(t.settled(), [NodeId(0)]);
}

// ---------------------------------------------------------------- profiles

/// A 100 m staircase from A=(0,0) to B=(100,0), and a 300 m detour A-(0,100)-(100,100)-B.
fn steps_or_detour(stairs_wheelchair: Option<bool>) -> RoadGraph {
    let mut stairs = road("stairs", &[[0.0, 0.0], [100.0, 0.0]], RoadClass::Steps);
    stairs.wheelchair = stairs_wheelchair;
    build(&[
        stairs,
        road(
            "detour",
            &[[0.0, 0.0], [0.0, 100.0], [100.0, 100.0], [100.0, 0.0]],
            RoadClass::Residential,
        ),
    ])
}

#[test]
fn wheelchairs_avoid_steps_but_walkers_take_them() {
    let g = steps_or_detour(None);
    let none = Closures::none(&g);
    let (a, b) = ([0.0, 0.0], [100.0, 0.0]);
    let walk = secs_between(&g, Profile::Walk, &clear(), &none, a, b).unwrap();
    assert!((walk - 100.0).abs() < 0.5, "{walk}");
    let slow = secs_between(&g, Profile::SlowWalk, &clear(), &none, a, b).unwrap();
    assert!((slow - 100.0 / 0.4).abs() < 1.0, "{slow}");
    let stretcher = secs_between(&g, Profile::Stretcher, &clear(), &none, a, b).unwrap();
    assert!((stretcher - 250.0).abs() < 1.0, "{stretcher}");
    let wc = secs_between(&g, Profile::Wheelchair, &clear(), &none, a, b).unwrap();
    assert!((wc - 300.0 / 0.8).abs() < 1.5, "{wc}");
    // Steps with a ramp (wheelchair=yes) are usable at flat speed.
    let g = steps_or_detour(Some(true));
    let wc = secs_between(&g, Profile::Wheelchair, &clear(), &Closures::none(&g), a, b).unwrap();
    assert!((wc - 100.0 / 0.8).abs() < 1.0, "{wc}");
}

#[test]
fn wheelchair_no_closes_a_road_to_wheelchairs_only() {
    let mut only = road("kerb", &[[0.0, 0.0], [100.0, 0.0]], RoadClass::Footway);
    only.wheelchair = Some(false);
    let g = build(&[only]);
    let none = Closures::none(&g);
    let (a, b) = ([0.0, 0.0], [100.0, 0.0]);
    assert!(secs_between(&g, Profile::Wheelchair, &clear(), &none, a, b).is_none());
    assert!(secs_between(&g, Profile::Walk, &clear(), &none, a, b).is_some());
    // Cars do not drive footways.
    assert!(secs_between(&g, Profile::Car, &clear(), &none, a, b).is_none());
}

#[test]
fn motorways_are_for_cars_only() {
    let g = build(&[road("m", &[[0.0, 0.0], [300.0, 0.0]], RoadClass::Motorway)]);
    let none = Closures::none(&g);
    let (a, b) = ([0.0, 0.0], [300.0, 0.0]);
    for p in [
        Profile::Walk,
        Profile::SlowWalk,
        Profile::Wheelchair,
        Profile::Stretcher,
    ] {
        assert!(
            secs_between(&g, p, &clear(), &none, a, b).is_none(),
            "{p:?}"
        );
    }
    let car = secs_between(&g, Profile::Car, &clear(), &none, a, b).unwrap();
    assert!((car - 100.0).abs() < 0.5);
}

#[test]
fn oneway_binds_cars_in_both_search_directions_but_not_walkers() {
    // A one-way street A -> B, drawn B to A with oneway=-1 to test the reverse tag too.
    let mut r = road("ow", &[[100.0, 0.0], [0.0, 0.0]], RoadClass::Residential);
    r.oneway = Oneway::Backward;
    let g = build(&[r]);
    let none = Closures::none(&g);
    let params = RoutingParams::default();
    let (a, b) = (node_at(&g, [0.0, 0.0]), node_at(&g, [100.0, 0.0]));
    let search = |profile, source, dir| {
        one_to_many(
            &g,
            profile,
            &params,
            &clear(),
            &none,
            source,
            dir,
            f64::INFINITY,
        )
    };
    // Car: A -> B only.
    assert!(
        search(Profile::Car, a, Direction::Forward)
            .secs(b)
            .is_some()
    );
    assert!(
        search(Profile::Car, b, Direction::Forward)
            .secs(a)
            .is_none()
    );
    // Backward from B: who can drive to B? A can. Backward from A: nobody.
    assert!(
        search(Profile::Car, b, Direction::Backward)
            .secs(a)
            .is_some()
    );
    assert!(
        search(Profile::Car, a, Direction::Backward)
            .secs(b)
            .is_none()
    );
    // Walkers ignore it.
    assert!(
        search(Profile::Walk, b, Direction::Forward)
            .secs(a)
            .is_some()
    );
    assert!(
        search(Profile::Walk, a, Direction::Backward)
            .secs(b)
            .is_some()
    );
}

#[test]
fn night_and_winter_change_times_exactly_by_their_factors() {
    let g = build(&grid_roads(4, 4));
    let none = Closures::none(&g);
    let params = RoutingParams::default();
    let src = node_at(&g, [0.0, 0.0]);
    let day = one_to_many(
        &g,
        Profile::Walk,
        &params,
        &clear(),
        &none,
        src,
        Direction::Forward,
        f64::INFINITY,
    );
    for (conditions, factor) in [
        (
            Conditions {
                night: true,
                weather: Weather::Clear,
            },
            0.8,
        ),
        (
            Conditions {
                night: false,
                weather: Weather::Snow,
            },
            0.80,
        ),
        (
            Conditions {
                night: false,
                weather: Weather::HeavySnow,
            },
            0.48,
        ),
        (
            Conditions {
                night: false,
                weather: Weather::Ice,
            },
            0.72,
        ),
        (
            Conditions {
                night: false,
                weather: Weather::Rain,
            },
            1.0,
        ),
        (
            Conditions {
                night: true,
                weather: Weather::HeavySnow,
            },
            0.8 * 0.48,
        ),
    ] {
        let t = one_to_many(
            &g,
            Profile::Walk,
            &params,
            &conditions,
            &none,
            src,
            Direction::Forward,
            f64::INFINITY,
        );
        for n in g.node_ids() {
            let (d, c) = (day.secs(n).unwrap(), t.secs(n).unwrap());
            assert!(
                (c - d / factor).abs() <= 1e-9 * c.max(1.0),
                "{conditions:?}: {c} vs {d}/{factor}"
            );
        }
    }
}

#[test]
fn cars_have_their_own_winter_factors_and_wheelchairs_stop_in_heavy_snow_and_ice() {
    let g = build(&grid_roads(4, 4));
    let none = Closures::none(&g);
    let params = RoutingParams::default();
    let src = node_at(&g, [0.0, 0.0]);
    let far = node_at(&g, [300.0, 300.0]);
    let at = |profile: Profile, night: bool, weather: Weather, p: &RoutingParams| {
        let cond = Conditions { night, weather };
        let t = one_to_many(
            &g,
            profile,
            p,
            &cond,
            &none,
            src,
            Direction::Forward,
            f64::INFINITY,
        );
        t.secs(far)
    };
    let car_day = at(Profile::Car, false, Weather::Clear, &params).unwrap();
    let walk_day = at(Profile::Walk, false, Weather::Clear, &params).unwrap();
    // Cars: 0.70 on snow, 0.60 in heavy snow and on ice (not the walkers' 0.80/0.48/0.72).
    for (weather, car, walk) in [
        (Weather::Snow, 0.70, 0.80),
        (Weather::HeavySnow, 0.60, 0.48),
        (Weather::Ice, 0.60, 0.72),
    ] {
        let c = at(Profile::Car, false, weather, &params).unwrap();
        assert!((c - car_day / car).abs() < 1e-6, "car {weather:?}: {c}");
        let w = at(Profile::Walk, false, weather, &params).unwrap();
        assert!((w - walk_day / walk).abs() < 1e-6, "walk {weather:?}: {w}");
        assert_eq!(
            params.factor(
                Profile::Car,
                &Conditions {
                    night: true,
                    weather
                }
            ),
            0.8 * car
        );
    }
    // A wheelchair moves in snow, not in heavy snow or on ice, unless the setting allows it.
    assert!(at(Profile::Wheelchair, false, Weather::Snow, &params).is_some());
    for weather in [Weather::HeavySnow, Weather::Ice] {
        let cond = Conditions {
            night: false,
            weather,
        };
        assert!(!params.profile_usable(Profile::Wheelchair, &cond));
        assert_eq!(at(Profile::Wheelchair, false, weather, &params), None);
        let e = g.edge(EdgeId(0));
        assert_eq!(params.edge_secs(Profile::Wheelchair, &cond, e, true), None);
        // Every other profile still moves.
        for p in Profile::ALL
            .into_iter()
            .filter(|p| *p != Profile::Wheelchair)
        {
            assert!(params.profile_usable(p, &cond) && at(p, false, weather, &params).is_some());
        }
        let allowed = RoutingParams {
            wheelchair_in_heavy_snow: true,
            ..params
        };
        assert!(allowed.profile_usable(Profile::Wheelchair, &cond));
        assert!(at(Profile::Wheelchair, false, weather, &allowed).is_some());
    }
    // Old settings files without the new keys still load, with the defaults.
    let old: RoutingParams = serde_json::from_str(r#"{"snow_factor": 0.9}"#).unwrap();
    assert_eq!(
        (
            old.snow_factor,
            old.car_snow_factor,
            old.wheelchair_in_heavy_snow
        ),
        (0.9, 0.70, false)
    );
}

#[test]
fn bounded_search_reaches_only_nodes_within_max_secs() {
    let g = build(&grid_roads(5, 5));
    let none = Closures::none(&g);
    let src = node_at(&g, [0.0, 0.0]);
    // 250 s at 1 m/s: Manhattan distance <= 200 m (the next ring is ~300 m).
    let t = one_to_many(
        &g,
        Profile::Walk,
        &RoutingParams::default(),
        &clear(),
        &none,
        src,
        Direction::Forward,
        250.0,
    );
    assert_eq!(t.settled().len(), 6); // distance 0: 1, 100: 2, 200: 3
    assert!(t.secs(node_at(&g, [300.0, 0.0])).is_none());
    assert!(t.path(&g, node_at(&g, [300.0, 0.0])).is_none());
    let corner = node_at(&g, [100.0, 100.0]);
    assert_eq!(t.path(&g, corner).unwrap().len(), 3);
    // Settled in non-decreasing time, ties by node id.
    let s = t.settled();
    for w in s.windows(2) {
        let (a, b) = (t.secs(w[0]).unwrap(), t.secs(w[1]).unwrap());
        assert!(a < b || (a == b && w[0] < w[1]));
    }
}

#[test]
fn route_gives_geometry_length_and_time_in_travel_order() {
    let g = build(&grid_roads(3, 3));
    let none = Closures::none(&g);
    let (a, b) = (node_at(&g, [0.0, 0.0]), node_at(&g, [200.0, 100.0]));
    let r = route(
        &g,
        Profile::SlowWalk,
        &RoutingParams::default(),
        &clear(),
        &none,
        a,
        b,
    )
    .unwrap();
    assert_eq!(r.nodes.first(), Some(&a));
    assert_eq!(r.nodes.last(), Some(&b));
    assert_eq!(r.coords.len(), 4);
    assert_eq!(r.coords[0], g.node(a).pos);
    assert!((r.length_m - 300.0).abs() < 1.0);
    assert!((r.secs - r.length_m / 0.5).abs() < 1e-9);
    // Backward search paths run from the node to the source.
    let t = one_to_many(
        &g,
        Profile::Walk,
        &RoutingParams::default(),
        &clear(),
        &none,
        b,
        Direction::Backward,
        f64::INFINITY,
    );
    let p = t.path(&g, a).unwrap();
    assert_eq!((p[0], *p.last().unwrap()), (a, b));
    assert!(
        route(
            &g,
            Profile::Walk,
            &RoutingParams::default(),
            &clear(),
            &none,
            a,
            a
        )
        .unwrap()
        .edges
        .is_empty()
    );
}

// ---------------------------------------------------------------- closures

#[test]
fn close_roads_closes_every_segment_of_the_named_roads_and_reports_unknown_ids() {
    let g = build(&grid_roads(3, 3));
    let c = close_roads(&g, ["h1"]).unwrap();
    assert_eq!(c.count(), 2);
    for e in c.iter() {
        assert_eq!(g.road_ext_id(g.edge(e).road), "h1");
    }
    match close_roads(&g, ["h1", "zz", "aa"]) {
        Err(NetworkError::UnknownRoads { ids }) => assert_eq!(ids, ["aa", "zz"]),
        other => panic!("{other:?}"),
    }
    // Closing the middle row and column cuts a 3x3 grid's centre off.
    let mut c = close_roads(&g, ["h1", "v1"]).unwrap();
    let centre = node_at(&g, [100.0, 100.0]);
    let corner = node_at(&g, [0.0, 0.0]);
    let t = one_to_many(
        &g,
        Profile::Walk,
        &RoutingParams::default(),
        &clear(),
        &c,
        corner,
        Direction::Forward,
        f64::INFINITY,
    );
    assert!(t.secs(centre).is_none());
    assert_eq!(t.settled().len(), 8);
    let closed: Vec<EdgeId> = c.iter().collect();
    assert_eq!(closed.len(), 4);
    c.open(closed[0]);
    assert!(!c.is_closed(closed[0]) && c.count() == 3);
    // An empty default set means nothing closed for any graph.
    assert!(!Closures::default().is_closed(EdgeId(5)));
}

/// A square polygon in `(lon, lat)` over the planar box `[x0, y0]..[x1, y1]`.
fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    let f = frame();
    let (a, b) = (f.to_lonlat([x0, y0]), f.to_lonlat([x1, y1]));
    MultiPolygon(vec![polygon![
        (x: a.lon, y: a.lat),
        (x: b.lon, y: a.lat),
        (x: b.lon, y: b.lat),
        (x: a.lon, y: b.lat),
    ]])
}

fn zone(kind: HazardKind, rank: Option<u8>, geometry: MultiPolygon<f64>) -> HazardZone {
    HazardZone {
        ext_id: "z".into(),
        arrival_min: None,
        duration_h: None,
        kind,
        depth_rank: rank.and_then(DepthRank::new),
        source: String::new(),
        geometry,
    }
}

#[test]
fn deep_flood_closes_exactly_the_edges_it_meets_and_shallow_flood_none() {
    let g = build(&grid_roads(4, 4));
    // Covers the block (100..200, 100..200) and pokes into nothing else: its four sides plus the
    // eight edges leaving its corners (each touches the polygon at a corner node).
    let area = square(110.0, 110.0, 190.0, 190.0);
    let inside = close_polygon(&g, &area);
    assert_eq!(
        inside.count(),
        0,
        "a polygon strictly inside a block meets no edge"
    );
    let area = square(90.0, 90.0, 210.0, 210.0);
    let expected: Vec<EdgeId> = g
        .edges()
        .filter(|(_, e)| {
            let (p, q) = (g.node(e.from).xy, g.node(e.to).xy);
            let inside =
                |v: [f64; 2]| (90.0..=210.0).contains(&v[0]) && (90.0..=210.0).contains(&v[1]);
            inside(p) || inside(q)
        })
        .map(|(id, _)| id)
        .collect();
    assert_eq!(expected.len(), 12);
    let deep = hazard_closures(
        &g,
        &[zone(HazardKind::RiverFlood, Some(2), area.clone())],
        |_| true,
        0.5,
    );
    assert_eq!(deep.iter().collect::<Vec<_>>(), expected);
    let shallow = hazard_closures(
        &g,
        &[zone(HazardKind::RiverFlood, Some(1), area.clone())],
        |_| true,
        0.5,
    );
    assert_eq!(shallow.count(), 0);
    // No depth rank: a landslide zone closes what it meets.
    let slide = hazard_closures(
        &g,
        &[zone(HazardKind::Landslide, None, area.clone())],
        |_| true,
        0.5,
    );
    assert_eq!(slide.count(), 12);
    // Inactive kinds close nothing.
    let off = hazard_closures(
        &g,
        &[zone(HazardKind::Landslide, None, area.clone())],
        |k| k != HazardKind::Landslide,
        0.5,
    );
    assert_eq!(off.count(), 0);
    // An edge crossing the polygon with both ends outside is closed too.
    let strip = square(40.0, -10.0, 60.0, 310.0);
    let crossed = close_polygon(&g, &strip);
    assert_eq!(
        crossed.count(),
        4,
        "the four east-west edges from x=0 to x=100"
    );
    for e in crossed.iter() {
        let (p, q) = (g.node(g.edge(e).from).xy, g.node(g.edge(e).to).xy);
        assert!(p[0].min(q[0]) < 1.0 && p[0].max(q[0]) > 99.0);
    }
}

#[test]
fn routes_never_cross_a_closed_edge() {
    let g = build(&grid_roads(4, 4));
    let c = close_polygon(&g, &square(90.0, 90.0, 210.0, 210.0));
    let params = RoutingParams::default();
    let src = node_at(&g, [0.0, 0.0]);
    let t = one_to_many(
        &g,
        Profile::Walk,
        &params,
        &clear(),
        &c,
        src,
        Direction::Forward,
        f64::INFINITY,
    );
    let far = node_at(&g, [300.0, 300.0]);
    let edges = t.path_edges(&g, far).unwrap();
    assert!(edges.iter().all(|e| !c.is_closed(*e)));
    assert!((t.secs(far).unwrap() - 600.0).abs() < 2.0);
    for n in [[100.0, 100.0], [200.0, 200.0]] {
        assert!(t.secs(node_at(&g, n)).is_none());
    }
}

// ---------------------------------------------------------------- snapping

#[test]
fn snap_picks_the_nearer_end_of_the_nearest_segment_and_flags_far_points() {
    let g = build(&[road(
        "a",
        &[[0.0, 0.0], [100.0, 0.0]],
        RoadClass::Residential,
    )]);
    let s = g.snap(frame().to_lonlat([30.0, 40.0])).unwrap();
    assert_eq!(s.node, node_at(&g, [0.0, 0.0]));
    assert!((s.distance_m - 50.0).abs() < 0.1, "{}", s.distance_m);
    assert!((s.segment_distance_m - 40.0).abs() < 1e-6);
    assert!(!s.off_network);
    let s = g.snap(frame().to_lonlat([70.0, -40.0])).unwrap();
    assert_eq!(s.node, node_at(&g, [100.0, 0.0]));
    let far = g.snap(frame().to_lonlat([50.0, 400.0])).unwrap();
    assert!(far.off_network && far.distance_m > 300.0);
    assert!(g.snap(LonLat::new(f64::NAN, 0.0)).is_none());
}

#[test]
fn snap_for_a_profile_skips_edges_it_cannot_use() {
    let g = build(&[
        road("stairs", &[[0.0, 10.0], [100.0, 10.0]], RoadClass::Steps),
        road(
            "street",
            &[[0.0, 60.0], [100.0, 60.0]],
            RoadClass::Residential,
        ),
    ]);
    let p = frame().to_lonlat([10.0, 0.0]);
    let params = RoutingParams::default();
    let none = Closures::none(&g);
    assert_eq!(g.snap(p).unwrap().node, node_at(&g, [0.0, 10.0]));
    let s = g.snap_for(p, Profile::Wheelchair, &params, &none).unwrap();
    assert_eq!(s.node, node_at(&g, [0.0, 60.0]));
    // Closing the street leaves a wheelchair nothing.
    let c = close_roads(&g, ["street"]).unwrap();
    assert!(g.snap_for(p, Profile::Wheelchair, &params, &c).is_none());
}

// ---------------------------------------------------------------- random comparison

/// Random roads over a 5 × 5 lattice of points (80 m apart, jittered by up to 0.3 m so the
/// merge tolerance is exercised), with random classes, one-way tags and wheelchair tags.
fn random_roads(rng: &mut Rng) -> Vec<Road> {
    let n_roads = 2 + rng.below(20);
    (0..n_roads)
        .map(|i| {
            let n_pts = 2 + rng.below(3);
            let pts: Vec<[f64; 2]> = (0..n_pts)
                .map(|_| {
                    let (x, y) = (rng.below(5) as f64, rng.below(5) as f64);
                    [x * 80.0 + rng.f64() * 0.3, y * 80.0 + rng.f64() * 0.3]
                })
                .collect();
            let mut r = road(&format!("r{i}"), &pts, *rng.pick(RoadClass::ALL));
            r.oneway = *rng.pick(Oneway::ALL);
            r.wheelchair = *rng.pick(&[None, Some(true), Some(false)]);
            r
        })
        .collect()
}

/// The reference's own reading of the speed rules, written from the spec, not from
/// `RoutingParams::speed_mps`.
fn reference_speed(p: &RoutingParams, profile: Profile, e: &EdgeData, along: bool) -> Option<f64> {
    use RoadClass::*;
    let foot = |s: FootSpeeds| match e.class {
        Motorway => None,
        Steps => s.steps_mps,
        _ => Some(s.flat_mps),
    };
    match profile {
        Profile::Car => {
            let forbidden_dir = matches!(
                (e.oneway, along),
                (Oneway::Forward, false) | (Oneway::Backward, true)
            );
            (!matches!(e.class, Footway | Steps) && !forbidden_dir).then_some(p.car_mps)
        }
        Profile::Walk => foot(p.walk),
        Profile::SlowWalk => foot(p.slow_walk),
        Profile::Stretcher => foot(p.stretcher),
        Profile::Wheelchair => match (e.class, e.wheelchair) {
            (_, Some(false)) | (Motorway, _) => None,
            (Steps, Some(true)) => Some(p.wheelchair.flat_mps),
            (Steps, _) => None,
            _ => Some(p.wheelchair.flat_mps),
        },
    }
}

/// The reference's own reading of the condition factors (walkers' and cars' weather factors,
/// wheelchairs stopped by heavy snow and ice), written from the settings' docs.
fn reference_factor(p: &RoutingParams, profile: Profile, c: &Conditions) -> f64 {
    let car = profile == Profile::Car;
    let weather = match c.weather {
        Weather::Clear => 1.0,
        Weather::Rain => p.rain_factor,
        Weather::Snow => [p.snow_factor, p.car_snow_factor][car as usize],
        Weather::HeavySnow | Weather::Ice
            if profile == Profile::Wheelchair && !p.wheelchair_in_heavy_snow =>
        {
            0.0
        }
        Weather::HeavySnow => [p.heavy_snow_factor, p.car_heavy_snow_factor][car as usize],
        Weather::Ice => [p.ice_factor, p.car_ice_factor][car as usize],
    };
    weather * if c.night { p.night_factor } else { 1.0 }
}

/// Dense matrix of direct travel times `m[u][v]` (u -> v), then O(n²) Dijkstra.
fn reference_times(
    g: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    factor: f64,
    closures: &Closures,
    source: NodeId,
    direction: Direction,
) -> Vec<f64> {
    let n = g.node_count();
    let mut m = vec![vec![f64::INFINITY; n]; n];
    for (id, e) in g.edges() {
        if closures.is_closed(id) {
            continue;
        }
        for (u, v, along) in [(e.from, e.to, true), (e.to, e.from, false)] {
            if let Some(s) = reference_speed(params, profile, e, along) {
                let t = e.length_m / (s * factor);
                let (a, b) = match direction {
                    Direction::Forward => (u.index(), v.index()),
                    Direction::Backward => (v.index(), u.index()),
                };
                m[a][b] = m[a][b].min(t);
            }
        }
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    dist[source.index()] = 0.0;
    for _ in 0..n {
        let Some(u) = (0..n)
            .filter(|&i| !done[i] && dist[i].is_finite())
            .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))
        else {
            break;
        };
        done[u] = true;
        for v in 0..n {
            dist[v] = dist[v].min(dist[u] + m[u][v]);
        }
    }
    dist
}

/// Checks that the path to `node` is made of usable open edges in travel order and that their
/// summed time is the reported time.
fn check_path(
    g: &RoadGraph,
    t: &SearchTree,
    profile: Profile,
    params: &RoutingParams,
    cond: &Conditions,
    c: &Closures,
    node: NodeId,
) {
    let src = t.source().unwrap();
    let nodes = t.path(g, node).unwrap();
    let edges = t.path_edges(g, node).unwrap();
    assert_eq!(nodes.len(), edges.len() + 1);
    let (first, last) = match t.direction() {
        Direction::Forward => (src, node),
        Direction::Backward => (node, src),
    };
    assert_eq!((nodes[0], *nodes.last().unwrap()), (first, last));
    let mut total = 0.0;
    for (w, e) in nodes.windows(2).zip(&edges) {
        let ed = g.edge(*e);
        assert!(!c.is_closed(*e), "path crosses closed edge {e:?}");
        let along = if (ed.from, ed.to) == (w[0], w[1]) {
            true
        } else {
            assert_eq!(
                (ed.to, ed.from),
                (w[0], w[1]),
                "edge does not join consecutive nodes"
            );
            false
        };
        total += params
            .edge_secs(profile, cond, ed, along)
            .expect("path uses an unusable edge");
    }
    let s = t.secs(node).unwrap();
    assert!(
        (total - s).abs() <= 1e-9 * s.max(1.0),
        "path sums to {total}, reported {s}"
    );
}

#[test]
fn one_to_many_matches_a_dense_reference_on_random_graphs() {
    let mut rng = Rng::new(0x5EED_2026);
    let params = RoutingParams::default();
    let weathers = [
        Weather::Clear,
        Weather::Rain,
        Weather::Snow,
        Weather::HeavySnow,
        Weather::Ice,
    ];
    let mut reused = SearchTree::new();
    let mut compared = 0usize;
    for case in 0..400 {
        let roads = random_roads(&mut rng);
        let g = build(&roads);
        if g.node_count() == 0 {
            continue;
        }
        let mut closures = Closures::none(&g);
        if case % 2 == 1 {
            for (id, _) in g.edges() {
                if rng.below(5) == 0 {
                    closures.close(id);
                }
            }
        }
        let cond = Conditions {
            night: rng.below(2) == 0,
            weather: *rng.pick(&weathers),
        };
        for profile in Profile::ALL {
            let factor = reference_factor(&params, profile, &cond);
            for direction in [Direction::Forward, Direction::Backward] {
                let source = NodeId(rng.below(g.node_count()) as u32);
                let max_secs = if rng.below(3) == 0 {
                    f64::INFINITY
                } else {
                    rng.f64() * 800.0
                };
                let want =
                    reference_times(&g, profile, &params, factor, &closures, source, direction);
                let t = one_to_many(
                    &g, profile, &params, &cond, &closures, source, direction, max_secs,
                );
                one_to_many_into(
                    &mut reused,
                    &g,
                    profile,
                    &params,
                    &cond,
                    &closures,
                    source,
                    direction,
                    max_secs,
                );
                for n in g.node_ids() {
                    let w = want[n.index()];
                    let expected = (w.is_finite() && (w <= max_secs || n == source)).then_some(w);
                    match (t.secs(n), expected) {
                        (None, None) => {}
                        (Some(a), Some(b)) => {
                            assert!(
                                (a - b).abs() <= 1e-9 * b.max(1.0),
                                "case {case} {profile:?} {direction:?} node {n:?}: {a} vs {b}"
                            );
                            check_path(&g, &t, profile, &params, &cond, &closures, n);
                            compared += 1;
                        }
                        (a, b) => panic!(
                            "case {case} {profile:?} {direction:?} max {max_secs} node {n:?}: {a:?} vs {b:?}"
                        ),
                    }
                    assert_eq!(reused.secs(n), t.secs(n), "reused workspace differs");
                }
                assert_eq!(reused.settled(), t.settled());
            }
        }
    }
    assert!(
        compared > 10_000,
        "only {compared} reachable pairs compared"
    );
}

#[test]
fn route_matches_one_to_many_on_random_graphs() {
    let mut rng = Rng::new(7);
    let params = RoutingParams::default();
    for _ in 0..100 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() < 2 {
            continue;
        }
        let closures = Closures::none(&g);
        let profile = *rng.pick(&Profile::ALL);
        let (a, b) = (
            NodeId(rng.below(g.node_count()) as u32),
            NodeId(rng.below(g.node_count()) as u32),
        );
        let t = one_to_many(
            &g,
            profile,
            &params,
            &clear(),
            &closures,
            a,
            Direction::Forward,
            f64::INFINITY,
        );
        let r = route(&g, profile, &params, &clear(), &closures, a, b);
        assert_eq!(r.as_ref().map(|r| r.secs), t.secs(b));
        if let Some(r) = r {
            assert_eq!(r.nodes, t.path(&g, b).unwrap(), "same deterministic path");
        }
    }
}
