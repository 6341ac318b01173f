//! Routing benchmarks on a generated grid of about 50,000 edges (160 × 160 crossings, 50 m
//! blocks, 8 km across): building the graph, bounded one-to-many searches, hazard closures and
//! snapping. Then, on the bundled city (`maps/asahikawa-synthetic`): our search against
//! petgraph's `dijkstra` on a [`ProfileView`] (same queries, whole graph), and the
//! time-dependent searches with the city's flood zones closing roads over time.

use criterion::{Criterion, criterion_group};
use geo::{MultiPolygon, polygon};
use mimamori::io::mapdir::load_map;
use mimamori::model::{DepthRank, HazardKind, HazardZone, LonLat, Oneway, Road, RoadClass};
use mimamori::network::{
    Closures, Conditions, Direction, EdgeClock, GraphParams, LatestTree, NodeId, Profile,
    ProfileView, RoadGraph, RoutingParams, SearchTree, earliest_arrival_into, hazard_closures,
    latest_departure_into, one_to_many_into,
};
use mimamori::spatial::Frame;
use petgraph::visit::EdgeRef;
use std::hint::black_box;
use std::path::Path;

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

/// Our Dijkstra against petgraph's on the bundled city, and the timed searches.
fn bench_city(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/asahikawa-synthetic");
    let map = load_map(&dir).expect("bundled city loads");
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default())
        .expect("graph builds");
    let params = RoutingParams::default();
    let cond = Conditions::default();
    let none = Closures::none(&g);
    // Ten sources spread over the node ids (deterministic); each query searches the whole
    // graph, since petgraph's dijkstra takes no bound.
    let sources: Vec<NodeId> = (0..10)
        .map(|k| NodeId((k * g.node_count() / 10) as u32))
        .collect();
    let view = ProfileView::new(&g, Profile::Walk, &params, &cond, &none);

    let mut group = c.benchmark_group("city");
    group.sample_size(20);
    let mut tree = SearchTree::new();
    group.bench_function(
        format!("ours_walk_whole_graph_x10_{}_nodes", g.node_count()),
        |b| {
            b.iter(|| {
                let mut settled = 0;
                for s in &sources {
                    one_to_many_into(
                        &mut tree,
                        &g,
                        Profile::Walk,
                        &params,
                        &cond,
                        &none,
                        black_box(*s),
                        Direction::Forward,
                        f64::INFINITY,
                    );
                    settled += tree.settled().len();
                }
                settled
            })
        },
    );
    group.bench_function("petgraph_dijkstra_on_view_walk_whole_graph_x10", |b| {
        b.iter(|| {
            let mut settled = 0;
            for s in &sources {
                settled +=
                    petgraph::algo::dijkstra(view, black_box(*s), None, |a| *a.weight()).len();
            }
            settled
        })
    });
    group.bench_function("ours_walk_15min_x10", |b| {
        b.iter(|| {
            let mut settled = 0;
            for s in &sources {
                one_to_many_into(
                    &mut tree,
                    &g,
                    Profile::Walk,
                    &params,
                    &cond,
                    &none,
                    black_box(*s),
                    Direction::Forward,
                    900.0,
                );
                settled += tree.settled().len();
            }
            settled
        })
    });

    // The deadline test alone: a clock on which nothing closes, same queries as above.
    let open = EdgeClock::open(&g);
    group.bench_function("earliest_arrival_open_clock_walk_whole_graph_x10", |b| {
        b.iter(|| {
            let mut settled = 0;
            for s in &sources {
                earliest_arrival_into(
                    &mut tree,
                    &g,
                    Profile::Walk,
                    &params,
                    &cond,
                    &none,
                    &open,
                    1800.0,
                    black_box(*s),
                    0.0,
                    f64::INFINITY,
                );
                settled += tree.settled().len();
            }
            settled
        })
    });

    // Time-dependent: every flood zone closes its roads for walkers at a time of its own
    // (30 min to 3 h after the alert, by zone order), 30 min margin.
    let mut clock = EdgeClock::open(&g);
    for (k, z) in map.hazards.iter().enumerate() {
        clock.close_polygon_at(&g, &z.geometry, 1800.0 + (k % 10) as f64 * 900.0);
    }
    let closing = g
        .edges()
        .filter(|(id, _)| clock.closes_at(*id).is_finite())
        .count();
    let mut settled_timed = 0;
    for s in &sources {
        earliest_arrival_into(
            &mut tree,
            &g,
            Profile::Walk,
            &params,
            &cond,
            &none,
            &clock,
            1800.0,
            *s,
            0.0,
            f64::INFINITY,
        );
        settled_timed += tree.settled().len();
    }
    group.bench_function(
        format!(
            "earliest_arrival_walk_whole_graph_x10_{closing}_edges_closing_{settled_timed}_settled"
        ),
        |b| {
            b.iter(|| {
                let mut settled = 0;
                for s in &sources {
                    earliest_arrival_into(
                        &mut tree,
                        &g,
                        Profile::Walk,
                        &params,
                        &cond,
                        &none,
                        &clock,
                        1800.0,
                        black_box(*s),
                        0.0,
                        f64::INFINITY,
                    );
                    settled += tree.settled().len();
                }
                settled
            })
        },
    );
    let mut latest = LatestTree::new();
    group.bench_function("latest_departure_walk_whole_graph_x10", |b| {
        b.iter(|| {
            let mut settled = 0;
            for s in &sources {
                latest_departure_into(
                    &mut latest,
                    &g,
                    Profile::Walk,
                    &params,
                    &cond,
                    &none,
                    &clock,
                    1800.0,
                    black_box(*s),
                    3.0 * 3600.0,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                );
                settled += latest.settled().len();
            }
            settled
        })
    });
    group.finish();
}

/// CPU seconds used by this thread so far: on a machine shared with other jobs, CPU time is
/// much steadier than wall time.
fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// `ROUTING_CPU_COMPARE=1 cargo bench --bench routing`: our search and petgraph's dijkstra on
/// the view, interleaved round by round on the bundled city (whole-graph walks from 10
/// sources), timed in thread CPU time; prints the median and minimum of each and the ratio.
fn cpu_compare() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/asahikawa-synthetic");
    let map = load_map(&dir).expect("bundled city loads");
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default())
        .expect("graph builds");
    let params = RoutingParams::default();
    let cond = Conditions::default();
    let none = Closures::none(&g);
    let open = EdgeClock::open(&g);
    let sources: Vec<NodeId> = (0..10)
        .map(|k| NodeId((k * g.node_count() / 10) as u32))
        .collect();
    let view = ProfileView::new(&g, Profile::Walk, &params, &cond, &none);
    let mut tree = SearchTree::new();
    let mut latest = LatestTree::new();
    let names = [
        "ours one_to_many",
        "petgraph dijkstra on ProfileView",
        "ours earliest_arrival (open clock)",
        "ours latest_departure (open clock)",
    ];
    let mut secs: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut settled_per_run = vec![0usize; names.len()];
    for _round in 0..25 {
        for (i, times) in secs.iter_mut().enumerate() {
            let t0 = thread_cpu_secs();
            let mut settled = 0usize;
            for s in &sources {
                settled += match i {
                    0 => {
                        one_to_many_into(
                            &mut tree,
                            &g,
                            Profile::Walk,
                            &params,
                            &cond,
                            &none,
                            *s,
                            Direction::Forward,
                            f64::INFINITY,
                        );
                        tree.settled().len()
                    }
                    1 => petgraph::algo::dijkstra(view, *s, None, |a| *a.weight()).len(),
                    2 => {
                        earliest_arrival_into(
                            &mut tree,
                            &g,
                            Profile::Walk,
                            &params,
                            &cond,
                            &none,
                            &open,
                            1800.0,
                            *s,
                            0.0,
                            f64::INFINITY,
                        );
                        tree.settled().len()
                    }
                    _ => {
                        latest_departure_into(
                            &mut latest,
                            &g,
                            Profile::Walk,
                            &params,
                            &cond,
                            &none,
                            &open,
                            1800.0,
                            *s,
                            1e6,
                            f64::NEG_INFINITY,
                            f64::INFINITY,
                        );
                        latest.settled().len()
                    }
                };
            }
            times.push(thread_cpu_secs() - t0);
            settled_per_run[i] = black_box(settled);
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = median(&secs[0]);
    println!(
        "{} nodes, {} edges; 10 whole-graph walks per run, 25 interleaved runs, thread CPU time",
        g.node_count(),
        g.edge_count()
    );
    for ((name, times), settled) in names.iter().zip(&secs).zip(&settled_per_run) {
        let m = median(times);
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{name:40} median {:7.1} ms  min {:7.1} ms  x{:.2}  ({settled} nodes settled per run)",
            m * 1e3,
            min * 1e3,
            m / base
        );
    }
}

criterion_group!(benches, bench, bench_city);

fn main() {
    if std::env::var("ROUTING_CPU_COMPARE").as_deref() == Ok("1") {
        cpu_compare();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
