//! petgraph's algorithms on a [`ProfileView`] against our own search, on hundreds of seeded
//! random graphs with random closures, profiles, conditions and directions.

use super::*;
use petgraph::visit::{EdgeRef, IntoEdgeReferences, IntoNeighbors, Reversed};

#[test]
fn petgraph_dijkstra_on_the_view_equals_one_to_many_on_random_graphs() {
    let mut rng = Rng::new(0x9E7_6AA9);
    let params = RoutingParams::default();
    let weathers = [
        Weather::Clear,
        Weather::Rain,
        Weather::Snow,
        Weather::HeavySnow,
        Weather::Ice,
    ];
    let mut compared = 0usize;
    for case in 0..400 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let mut closures = Closures::none(&g);
        for (id, _) in g.edges() {
            if rng.below(6) == 0 {
                closures.close(id);
            }
        }
        let cond = Conditions {
            night: rng.below(2) == 0,
            weather: *rng.pick(&weathers),
        };
        let profile = *rng.pick(&Profile::ALL);
        let view = ProfileView::new(&g, profile, &params, &cond, &closures);
        let s = NodeId(rng.below(g.node_count()) as u32);
        for direction in [Direction::Forward, Direction::Backward] {
            let ours = one_to_many(
                &g,
                profile,
                &params,
                &cond,
                &closures,
                s,
                direction,
                f64::INFINITY,
            );
            let theirs = match direction {
                Direction::Forward => petgraph::algo::dijkstra(view, s, None, |a| *a.weight()),
                Direction::Backward => {
                    petgraph::algo::dijkstra(Reversed(view), s, None, |a| *a.weight())
                }
            };
            for n in g.node_ids() {
                match (ours.secs(n), theirs.get(&n).copied()) {
                    (None, None) => {}
                    (Some(a), Some(b)) => {
                        assert!(
                            (a - b).abs() <= 1e-9 * a.max(1.0),
                            "case {case} {profile:?} {direction:?} {n:?}: {a} vs {b}"
                        );
                        compared += 1;
                    }
                    (a, b) => panic!("case {case} {profile:?} {direction:?} {n:?}: {a:?} vs {b:?}"),
                }
            }
            if direction == Direction::Forward {
                // Bellman-Ford (no negative weights) and A* with a zero estimate agree too.
                let bf = petgraph::algo::bellman_ford(view, s).expect("no negative cycle");
                let t = NodeId(rng.below(g.node_count()) as u32);
                let astar = petgraph::algo::astar(view, s, |n| n == t, |a| *a.weight(), |_| 0.0);
                assert_eq!(
                    astar.as_ref().map(|(secs, _)| secs.is_finite()),
                    ours.secs(t).map(|_| true)
                );
                if let (Some((secs, path)), Some(want)) = (&astar, ours.secs(t)) {
                    assert!((secs - want).abs() <= 1e-9 * want.max(1.0));
                    assert_eq!((path[0], *path.last().unwrap()), (s, t));
                }
                for n in g.node_ids() {
                    let d = bf.distances[n.index()];
                    match ours.secs(n) {
                        Some(a) => assert!((a - d).abs() <= 1e-9 * a.max(1.0), "case {case}"),
                        None => assert!(d.is_infinite(), "case {case} {n:?}: bf {d}"),
                    }
                }
            }
        }
        // The arcs are exactly the usable directions of open edges.
        let arcs: Vec<_> = view.edge_references().collect();
        let mut want = 0;
        for (id, e) in g.edges() {
            for along in [true, false] {
                if !closures.is_closed(id) && params.edge_secs(profile, &cond, e, along).is_some() {
                    want += 1;
                    let (a, b) = if along {
                        (e.from, e.to)
                    } else {
                        (e.to, e.from)
                    };
                    assert!(arcs.iter().any(|r| r.id() == ArcId { edge: id, along }
                        && (r.source(), r.target()) == (a, b)));
                    assert!(view.neighbors(a).any(|x| x == b));
                }
            }
        }
        assert_eq!(arcs.len(), want);
    }
    assert!(compared > 5000, "only {compared} nodes compared");
}

#[test]
fn car_one_ways_are_single_arcs_in_the_view() {
    let mut r = road("one", &[[0.0, 0.0], [100.0, 0.0]], RoadClass::Residential);
    r.oneway = Oneway::Forward;
    let g = build(&[
        r,
        road("foot", &[[0.0, 0.0], [0.0, 100.0]], RoadClass::Footway),
    ]);
    let params = RoutingParams::default();
    let none = Closures::none(&g);
    let (a, b) = (node_at(&g, [0.0, 0.0]), node_at(&g, [100.0, 0.0]));
    let car = ProfileView::new(&g, Profile::Car, &params, &clear(), &none);
    assert_eq!(car.edge_references().count(), 1);
    assert_eq!(car.neighbors(a).collect::<Vec<_>>(), [b]);
    assert_eq!(car.neighbors(b).count(), 0);
    let walk = ProfileView::new(&g, Profile::Walk, &params, &clear(), &none);
    assert_eq!(walk.edge_references().count(), 4);
    let closed = close_roads(&g, ["one"]).unwrap();
    let walk = ProfileView::new(&g, Profile::Walk, &params, &clear(), &closed);
    assert_eq!(walk.edge_references().count(), 2);
}
