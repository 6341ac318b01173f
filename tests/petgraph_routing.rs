//! petgraph's Dijkstra on a [`ProfileView`] of the bundled sample district gives the same
//! times as our own search, for every profile, by day and by a snowy night, with the map's
//! deep flood zones closed.

use mimamori::io::mapdir::load_map;
use mimamori::model::HazardKind;
use mimamori::network::{
    Closures, Conditions, Direction, GraphParams, NodeId, Profile, ProfileView, RoadGraph,
    RoutingParams, SearchTree, Weather, hazard_closures, one_to_many_into,
};
use mimamori::spatial::Frame;
use petgraph::visit::{EdgeRef, Reversed};
use std::path::Path;

#[test]
fn petgraph_dijkstra_equals_our_search_on_the_sample_district() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    let map = load_map(&dir).unwrap_or_else(|e| panic!("{e}"));
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    assert!(
        g.node_count() > 50,
        "sample district has {} nodes",
        g.node_count()
    );
    let params = RoutingParams::default();
    let flood = hazard_closures(&g, &map.hazards, |k| k == HazardKind::RiverFlood, 0.5);
    assert!(
        flood.count() > 0,
        "the sample district's flood zones close some roads"
    );
    let mut tree = SearchTree::new();
    let mut compared = 0usize;
    for closures in [Closures::none(&g), flood] {
        for cond in [
            Conditions::default(),
            Conditions {
                night: true,
                weather: Weather::Snow,
            },
        ] {
            for profile in Profile::ALL {
                let view = ProfileView::new(&g, profile, &params, &cond, &closures);
                // Sources spread over the node ids, deterministic.
                for k in 0..5 {
                    let s = NodeId((k * g.node_count() / 5) as u32);
                    for direction in [Direction::Forward, Direction::Backward] {
                        one_to_many_into(
                            &mut tree,
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
                            Direction::Forward => {
                                petgraph::algo::dijkstra(view, s, None, |a| *a.weight())
                            }
                            Direction::Backward => {
                                petgraph::algo::dijkstra(Reversed(view), s, None, |a| *a.weight())
                            }
                        };
                        assert_eq!(
                            theirs.len(),
                            tree.settled().len(),
                            "{profile:?} {direction:?}"
                        );
                        for n in g.node_ids() {
                            match (tree.secs(n), theirs.get(&n)) {
                                (None, None) => {}
                                (Some(a), Some(b)) => {
                                    assert!(
                                        (a - b).abs() <= 1e-9 * a.max(1.0),
                                        "{n:?}: {a} vs {b}"
                                    );
                                    compared += 1;
                                }
                                (a, b) => panic!("{profile:?} {direction:?} {n:?}: {a:?} vs {b:?}"),
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 10_000, "only {compared} nodes compared");
}
