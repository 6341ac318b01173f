//! Routing benchmarks on a generated grid of about 50,000 edges (160 × 160 crossings, 50 m
//! blocks, 8 km across): building the graph, bounded one-to-many searches, hazard closures and
//! snapping.

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{MultiPolygon, polygon};
use mimamori::model::{DepthRank, HazardKind, HazardZone, LonLat, Oneway, Road, RoadClass};
use mimamori::network::{
    Closures, Conditions, Direction, GraphParams, NodeId, Profile, RoadGraph, RoutingParams,
    SearchTree, hazard_closures, one_to_many_into,
};
use mimamori::spatial::Frame;
use std::hint::black_box;

const N: usize = 160;
const BLOCK_M: f64 = 50.0;

fn frame() -> Frame {
    Frame::new(LonLat::new(142.365, 43.771))
}

fn grid_roads(f: &Frame) -> Vec<Road> {
    let mut roads = Vec::new();
    let line = |ext_id: String, pts: Vec<[f64; 2]>, i: usize| Road {
        ext_id,
        coords: pts.into_iter().map(|p| f.to_lonlat(p)).collect(),
        // Every tenth line a primary road, one in seven of those one-way.
        class: if i.is_multiple_of(10) {
            RoadClass::Primary
        } else {
            RoadClass::Residential
        },
        bridge: false,
        tunnel: false,
        oneway: if i.is_multiple_of(70) {
            Oneway::Forward
        } else {
            Oneway::No
        },
        wheelchair: None,
        name: String::new(),
    };
    for j in 0..N {
        let pts = (0..N)
            .map(|i| [i as f64 * BLOCK_M, j as f64 * BLOCK_M])
            .collect();
        roads.push(line(format!("h{j}"), pts, j));
    }
    for i in 0..N {
        let pts = (0..N)
            .map(|j| [i as f64 * BLOCK_M, j as f64 * BLOCK_M])
            .collect();
        roads.push(line(format!("v{i}"), pts, i));
    }
    roads
}

fn zones(f: &Frame, count: usize) -> Vec<HazardZone> {
    // Squares of 120 m scattered over the grid with a fixed stride (deterministic).
    (0..count)
        .map(|k| {
            let x = (k * 7919 % 7900) as f64;
            let y = (k * 104_729 % 7900) as f64;
            let (a, b) = (f.to_lonlat([x, y]), f.to_lonlat([x + 120.0, y + 120.0]));
            HazardZone {
                ext_id: format!("z{k}"),
                arrival_min: None,
                duration_h: None,
                kind: HazardKind::RiverFlood,
                depth_rank: DepthRank::new(2),
                source: String::new(),
                geometry: MultiPolygon(vec![polygon![
                    (x: a.lon, y: a.lat), (x: b.lon, y: a.lat),
                    (x: b.lon, y: b.lat), (x: a.lon, y: b.lat),
                ]]),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let f = frame();
    let roads = grid_roads(&f);
    let g = RoadGraph::build(&roads, f, GraphParams::default()).expect("grid builds");
    assert_eq!(g.edge_count(), 2 * N * (N - 1));
    let params = RoutingParams::default();
    let none = Closures::none(&g);
    let centre = g
        .snap(f.to_lonlat([N as f64 * BLOCK_M / 2.0; 2]))
        .expect("snap")
        .node;

    let mut group = c.benchmark_group("routing");
    group.sample_size(20);
    group.bench_function("build_graph_50k_edges", |b| {
        b.iter(|| RoadGraph::build(black_box(&roads), f, GraphParams::default()).unwrap())
    });

    let mut tree = SearchTree::new();
    for (name, profile, dir, cond) in [
        (
            "walk_15min_forward",
            Profile::Walk,
            Direction::Forward,
            Conditions::default(),
        ),
        (
            "slow_walk_15min_backward",
            Profile::SlowWalk,
            Direction::Backward,
            Conditions::default(),
        ),
        (
            "car_15min_backward",
            Profile::Car,
            Direction::Backward,
            Conditions::default(),
        ),
    ] {
        one_to_many_into(
            &mut tree, &g, profile, &params, &cond, &none, centre, dir, 900.0,
        );
        let settled = tree.settled().len();
        group.bench_function(format!("{name}_{settled}_nodes"), |b| {
            b.iter(|| {
                one_to_many_into(
                    &mut tree,
                    &g,
                    profile,
                    &params,
                    &cond,
                    &none,
                    black_box(centre),
                    dir,
                    900.0,
                );
                tree.settled().len()
            })
        });
    }
    group.bench_function("walk_unbounded_whole_graph", |b| {
        b.iter(|| {
            one_to_many_into(
                &mut tree,
                &g,
                Profile::Walk,
                &params,
                &Conditions::default(),
                &none,
                black_box(NodeId(0)),
                Direction::Forward,
                f64::INFINITY,
            );
            tree.settled().len()
        })
    });

    let zs = zones(&f, 2000);
    let closed = hazard_closures(&g, &zs, |_| true, 0.5).count();
    group.bench_function(format!("hazard_closures_2000_zones_{closed}_closed"), |b| {
        b.iter(|| hazard_closures(&g, black_box(&zs), |_| true, 0.5))
    });

    let points: Vec<LonLat> = (0..1000)
        .map(|k| f.to_lonlat([(k * 37 % 8000) as f64 + 13.0, (k * 91 % 8000) as f64 + 7.0]))
        .collect();
    group.bench_function("snap_1000_points", |b| {
        b.iter(|| points.iter().filter_map(|p| g.snap(*p)).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
