//! Tests of the time-dependent searches: [`earliest_arrival_into`] and
//! [`latest_departure_into`] against brute force over every simple path (graphs of at most 9
//! nodes) and against Bellman-Ford style fixpoints (larger graphs), on hundreds of seeded random
//! graphs with random close times and margins; plus consistency between the two searches,
//! agreement with [`one_to_many`] when nothing closes, bounds and determinism.

use super::*;

const WEATHERS: [Weather; 5] = [
    Weather::Clear,
    Weather::Rain,
    Weather::Snow,
    Weather::HeavySnow,
    Weather::Ice,
];

/// Random roads over a 3 × 3 lattice (at most 9 nodes: jitter stays within the merge
/// tolerance), so every simple path can be enumerated.
fn small_roads(rng: &mut Rng) -> Vec<Road> {
    let n_roads = 2 + rng.below(6);
    (0..n_roads)
        .map(|i| {
            let n_pts = 2 + rng.below(3);
            let pts: Vec<[f64; 2]> = (0..n_pts)
                .map(|_| {
                    let (x, y) = (rng.below(3) as f64, rng.below(3) as f64);
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

/// Close times: a third never, some from the start (0 or -inf), the rest in 0..1500 s.
fn random_clock(rng: &mut Rng, g: &RoadGraph) -> EdgeClock {
    let mut clock = EdgeClock::open(g);
    for (id, _) in g.edges() {
        match rng.below(9) {
            0..=2 => {}
            3 => clock.close_at(id, 0.0),
            4 => clock.close_at(id, f64::NEG_INFINITY),
            _ => clock.close_at(id, rng.range_f64(0.0, 1500.0)),
        }
    }
    clock
}

fn random_closures(rng: &mut Rng, g: &RoadGraph) -> Closures {
    let mut c = Closures::none(g);
    for (id, _) in g.edges() {
        if rng.below(8) == 0 {
            c.close(id);
        }
    }
    c
}

fn random_margin(rng: &mut Rng) -> f64 {
    if rng.below(4) == 0 {
        0.0
    } else {
        rng.range_f64(0.0, 120.0)
    }
}

/// A directed arc `(from, to, edge, travel secs)`.
type Arc = (NodeId, NodeId, EdgeId, f64);

/// Everything a timed search needs besides the graph.
struct Case {
    profile: Profile,
    params: RoutingParams,
    cond: Conditions,
    closures: Closures,
    clock: EdgeClock,
    margin: f64,
}

impl Case {
    fn random(rng: &mut Rng, g: &RoadGraph) -> Self {
        Self {
            profile: *rng.pick(&Profile::ALL),
            params: RoutingParams::default(),
            cond: Conditions {
                night: rng.below(2) == 0,
                weather: *rng.pick(&WEATHERS),
            },
            closures: random_closures(rng, g),
            clock: random_clock(rng, g),
            margin: random_margin(rng),
        }
    }

    /// Directed arcs `(from, to, edge, secs)` usable by the profile and not in `closures`,
    /// from the edge list (not the adjacency the searches walk).
    fn arcs(&self, g: &RoadGraph) -> Vec<Arc> {
        let mut arcs = Vec::new();
        for (id, e) in g.edges() {
            if self.closures.is_closed(id) {
                continue;
            }
            for (u, v, along) in [(e.from, e.to, true), (e.to, e.from, false)] {
                if let Some(t) = self.params.edge_secs(self.profile, &self.cond, e, along) {
                    arcs.push((u, v, id, t));
                }
            }
        }
        arcs
    }

    fn earliest(&self, tree: &mut SearchTree, g: &RoadGraph, s: NodeId, dep: f64, max: f64) {
        earliest_arrival_into(
            tree,
            g,
            self.profile,
            &self.params,
            &self.cond,
            &self.closures,
            &self.clock,
            self.margin,
            s,
            dep,
            max,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn latest(
        &self,
        tree: &mut LatestTree,
        g: &RoadGraph,
        target: NodeId,
        arrive_by: f64,
        min_depart: f64,
        max_travel: f64,
    ) {
        latest_departure_into(
            tree,
            g,
            self.profile,
            &self.params,
            &self.cond,
            &self.closures,
            &self.clock,
            self.margin,
            target,
            arrive_by,
            min_depart,
            max_travel,
        );
    }

    /// Walks `edges` from `start` leaving at `depart`, checking every rule exactly; returns
    /// the arrival time and the travel time.
    fn walk(&self, g: &RoadGraph, start: NodeId, edges: &[EdgeId], depart: f64) -> (f64, f64) {
        let (mut at, mut t, mut travel) = (start, depart, 0.0);
        for e in edges {
            let ed = g.edge(*e);
            assert!(
                !self.closures.is_closed(*e),
                "path crosses closed edge {e:?}"
            );
            let along = if ed.from == at {
                true
            } else {
                assert_eq!(ed.to, at, "edge {e:?} does not continue the path");
                false
            };
            let secs = self
                .params
                .edge_secs(self.profile, &self.cond, ed, along)
                .expect("path uses an edge the profile cannot use that way");
            t += secs;
            travel += secs;
            assert!(
                t + self.margin <= self.clock.closes_at(*e),
                "edge {e:?} left at {t} with margin {} but closes at {}",
                self.margin,
                self.clock.closes_at(*e)
            );
            at = ed.other(at);
        }
        (t, travel)
    }
}

/// Equal up to rounding (relative 1e-7); infinities only equal themselves.
fn close(a: f64, b: f64) -> bool {
    a == b
        || (a.is_finite() && b.is_finite() && (a - b).abs() <= 1e-7 * a.abs().max(b.abs()).max(1.0))
}

/// Equal within 1 s, for hand-made maps whose lengths are haversine, not planar.
fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1.0
}

/// Every simple path from `s`: calls `visit(node, edges)` on each, the empty path included.
fn simple_paths(n: usize, arcs: &[Arc], s: NodeId, visit: &mut dyn FnMut(NodeId, &[Arc])) {
    fn go(
        arcs: &[Arc],
        at: NodeId,
        on: &mut Vec<bool>,
        path: &mut Vec<Arc>,
        visit: &mut dyn FnMut(NodeId, &[Arc]),
    ) {
        visit(at, path);
        for a in arcs {
            if a.0 == at && !on[a.1.index()] {
                on[a.1.index()] = true;
                path.push(*a);
                go(arcs, a.1, on, path, visit);
                path.pop();
                on[a.1.index()] = false;
            }
        }
    }
    let mut on = vec![false; n];
    on[s.index()] = true;
    go(arcs, s, &mut on, &mut Vec::new(), visit);
}

/// Brute force: the earliest arrival at every node over all simple paths from `s` leaving at
/// `dep`, each edge left in time and every arrival within `max`.
fn brute_earliest(g: &RoadGraph, case: &Case, s: NodeId, dep: f64, max: f64) -> Vec<f64> {
    let arcs = case.arcs(g);
    let mut best = vec![f64::INFINITY; g.node_count()];
    best[s.index()] = dep;
    simple_paths(g.node_count(), &arcs, s, &mut |end, path| {
        let mut t = dep;
        for (_, _, e, secs) in path {
            t += secs;
            if t + case.margin > case.clock.closes_at(*e) || t > max {
                return;
            }
        }
        best[end.index()] = best[end.index()].min(t);
    });
    best
}

/// Brute force: for every node, the latest departure over all simple paths to `target`, in
/// closed form from prefix sums: leaving at `d` is feasible iff `d + S_k + margin <= close_k`
/// for every edge k (S_k = travel up to leaving edge k) and `d + S_n <= arrive_by`. Also
/// returns, per node, the travel time of the path achieving it (the shortest among ties).
fn brute_latest(g: &RoadGraph, case: &Case, target: NodeId, arrive_by: f64) -> Vec<f64> {
    // Paths to the target are paths from it over reversed arcs.
    let rev: Vec<_> = case
        .arcs(g)
        .into_iter()
        .map(|(u, v, e, t)| (v, u, e, t))
        .collect();
    let mut best = vec![f64::NEG_INFINITY; g.node_count()];
    simple_paths(g.node_count(), &rev, target, &mut |start, rpath| {
        // rpath runs from the target back to `start`; travel order is its reverse.
        let mut s_k = 0.0;
        let mut d = f64::INFINITY;
        for (_, _, e, secs) in rpath.iter().rev() {
            s_k += secs;
            d = d.min(case.clock.closes_at(*e) - case.margin - s_k);
        }
        d = d.min(arrive_by - s_k);
        best[start.index()] = best[start.index()].max(d);
    });
    best
}

#[test]
fn earliest_arrival_matches_brute_force_over_simple_paths() {
    let mut rng = Rng::new(0x71ED_0001);
    let mut tree = SearchTree::new();
    let (mut compared, mut cut_by_clock) = (0usize, 0usize);
    for case_no in 0..600 {
        let g = build(&small_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        assert!(g.node_count() <= 9);
        let case = Case::random(&mut rng, &g);
        let s = NodeId(rng.below(g.node_count()) as u32);
        let dep = rng.range_f64(-100.0, 600.0);
        let max = if rng.below(3) == 0 {
            f64::INFINITY
        } else {
            dep + rng.range_f64(0.0, 1500.0)
        };
        case.earliest(&mut tree, &g, s, dep, max);
        let want = brute_earliest(&g, &case, s, dep, max);
        // Without the clock, for counting how often closing times changed the answer.
        let mut open = case_clone(&case);
        open.clock = EdgeClock::open(&g);
        let want_open = brute_earliest(&g, &open, s, dep, max);
        for n in g.node_ids() {
            let w = want[n.index()];
            match (tree.secs(n), w.is_finite().then_some(w)) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    assert!(close(a, b), "case {case_no} node {n:?}: {a} vs brute {b}");
                    let path = tree.path_edges(&g, n).unwrap();
                    let (arrive, travel) = case.walk(&g, s, &path, dep);
                    assert!(close(arrive, a) && close(travel, tree.travel_secs(n).unwrap()));
                    assert!(a <= max || n == s);
                    compared += 1;
                }
                (a, b) => panic!("case {case_no} node {n:?}: search {a:?} vs brute {b:?}"),
            }
            if want_open[n.index()] < w {
                cut_by_clock += 1;
            }
        }
        assert_eq!(tree.secs(s), Some(dep));
        assert_eq!(tree.start_secs(), dep);
    }
    assert!(compared > 1000, "only {compared} reachable nodes compared");
    assert!(
        cut_by_clock > 200,
        "closing times changed only {cut_by_clock} answers"
    );
}

fn case_clone(c: &Case) -> Case {
    Case {
        profile: c.profile,
        params: c.params,
        cond: c.cond,
        closures: c.closures.clone(),
        clock: c.clock.clone(),
        margin: c.margin,
    }
}

#[test]
fn latest_departure_matches_brute_force_and_the_forward_search() {
    let mut rng = Rng::new(0x71ED_0002);
    let mut tree = LatestTree::new();
    let mut fwd = SearchTree::new();
    let (mut compared, mut later_refused) = (0usize, 0usize);
    for case_no in 0..600 {
        let g = build(&small_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let case = Case::random(&mut rng, &g);
        let target = NodeId(rng.below(g.node_count()) as u32);
        let arrive_by = rng.range_f64(0.0, 2000.0);
        let min_depart = if rng.below(2) == 0 {
            f64::NEG_INFINITY
        } else {
            rng.range_f64(-300.0, 600.0)
        };
        case.latest(&mut tree, &g, target, arrive_by, min_depart, f64::INFINITY);
        let want = brute_latest(&g, &case, target, arrive_by);
        assert_eq!(tree.latest(target), Some(arrive_by));
        assert_eq!(tree.travel_secs(target), Some(0.0));
        assert_eq!(tree.settled()[0], target);
        for n in g.node_ids().filter(|n| *n != target) {
            let w = want[n.index()];
            let expected = (w > f64::NEG_INFINITY && w >= min_depart).then_some(w);
            match (tree.latest(n), expected) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    assert!(close(a, b), "case {case_no} node {n:?}: {a} vs brute {b}");
                    // The tree path is feasible leaving at latest(n) and arrives in time.
                    let path = tree.path_edges(&g, n).unwrap();
                    let (arrive, travel) = case.walk(&g, n, &path, a);
                    assert!(arrive <= arrive_by, "case {case_no}: arrives {arrive}");
                    assert!(close(travel, tree.travel_secs(n).unwrap()));
                    assert_eq!(*tree.path(&g, n).unwrap().last().unwrap(), target);
                    // The forward search agrees: leaving at latest(n) reaches the target in
                    // time; leaving a little later does not.
                    case.earliest(&mut fwd, &g, n, a, f64::INFINITY);
                    let t = fwd.secs(target).expect("target not reached at latest(n)");
                    assert!(t <= arrive_by, "case {case_no}: forward arrives {t}");
                    let later = a + 1e-6 * a.abs().max(1.0);
                    case.earliest(&mut fwd, &g, n, later, f64::INFINITY);
                    assert!(
                        fwd.secs(target).is_none_or(|t| t > arrive_by),
                        "case {case_no} node {n:?}: leaving after latest still arrives"
                    );
                    if fwd.secs(target).is_some() {
                        later_refused += 1;
                    }
                    compared += 1;
                }
                (a, b) => panic!("case {case_no} node {n:?}: search {a:?} vs brute {b:?}"),
            }
        }
        // Settle order: non-increasing latest departure, ties by node id.
        for w in tree.settled().windows(2) {
            let (a, b) = (tree.latest(w[0]).unwrap(), tree.latest(w[1]).unwrap());
            assert!(a > b || (a == b && w[0] < w[1]), "settle order {w:?}");
        }
    }
    assert!(compared > 800, "only {compared} nodes compared");
    assert!(
        later_refused > 100,
        "only {later_refused} late arrivals seen"
    );
}

/// Forward fixpoint: relax every arc until nothing changes.
fn fixpoint_earliest(g: &RoadGraph, case: &Case, s: NodeId, dep: f64, max: f64) -> Vec<f64> {
    let arcs = case.arcs(g);
    let mut arr = vec![f64::INFINITY; g.node_count()];
    arr[s.index()] = dep;
    loop {
        let mut changed = false;
        for (u, v, e, t) in &arcs {
            let exit = arr[u.index()] + t;
            if exit.is_finite()
                && exit + case.margin <= case.clock.closes_at(*e)
                && exit <= max
                && exit < arr[v.index()]
            {
                arr[v.index()] = exit;
                changed = true;
            }
        }
        if !changed {
            return arr;
        }
    }
}

/// Backward fixpoint: `L(u) = max over arcs u -> v of min(L(v), close - margin) - t`.
fn fixpoint_latest(g: &RoadGraph, case: &Case, target: NodeId, arrive_by: f64) -> Vec<f64> {
    let arcs = case.arcs(g);
    let mut l = vec![f64::NEG_INFINITY; g.node_count()];
    l[target.index()] = arrive_by;
    loop {
        let mut changed = false;
        for (u, v, e, t) in &arcs {
            let cand = l[v.index()].min(case.clock.closes_at(*e) - case.margin) - t;
            if cand > l[u.index()] && !close(cand, l[u.index()]) {
                l[u.index()] = cand;
                changed = true;
            }
        }
        if !changed {
            return l;
        }
    }
}

#[test]
fn both_searches_match_fixpoints_on_larger_random_graphs() {
    let mut rng = Rng::new(0x71ED_0003);
    let mut fwd = SearchTree::new();
    let mut bwd = LatestTree::new();
    let mut compared = 0usize;
    for case_no in 0..800 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let case = Case::random(&mut rng, &g);
        let s = NodeId(rng.below(g.node_count()) as u32);
        let dep = rng.range_f64(0.0, 300.0);
        case.earliest(&mut fwd, &g, s, dep, f64::INFINITY);
        let want = fixpoint_earliest(&g, &case, s, dep, f64::INFINITY);
        for n in g.node_ids() {
            let w = want[n.index()];
            match (fwd.secs(n), w.is_finite().then_some(w)) {
                (None, None) => {}
                (Some(a), Some(b)) if close(a, b) => compared += 1,
                (a, b) => panic!("case {case_no} node {n:?}: search {a:?} vs fixpoint {b:?}"),
            }
        }
        let arrive_by = rng.range_f64(0.0, 2000.0);
        case.latest(&mut bwd, &g, s, arrive_by, f64::NEG_INFINITY, f64::INFINITY);
        let want = fixpoint_latest(&g, &case, s, arrive_by);
        for n in g.node_ids() {
            let w = want[n.index()];
            match (bwd.latest(n), (w > f64::NEG_INFINITY).then_some(w)) {
                (None, None) => {}
                (Some(a), Some(b)) if close(a, b) => compared += 1,
                (a, b) => panic!("case {case_no} node {n:?}: search {a:?} vs fixpoint {b:?}"),
            }
        }
    }
    assert!(compared > 5000, "only {compared} labels compared");
}

#[test]
fn with_nothing_closing_both_equal_one_to_many_shifted() {
    let mut rng = Rng::new(0x71ED_0004);
    let mut fwd = SearchTree::new();
    let mut bwd = LatestTree::new();
    let mut compared = 0usize;
    for case_no in 0..300 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let mut case = Case::random(&mut rng, &g);
        case.clock = EdgeClock::open(&g);
        assert!(!case.clock.any_closing());
        let s = NodeId(rng.below(g.node_count()) as u32);
        let bound = if rng.below(2) == 0 {
            f64::INFINITY
        } else {
            rng.range_f64(0.0, 800.0)
        };
        let dep = rng.below(1000) as f64;
        for direction in [Direction::Forward, Direction::Backward] {
            let plain = one_to_many(
                &g,
                case.profile,
                &case.params,
                &case.cond,
                &case.closures,
                s,
                direction,
                bound,
            );
            let settled_plain: Vec<NodeId> = plain.settled().to_vec();
            let settled_timed: Vec<NodeId> = if direction == Direction::Forward {
                case.earliest(&mut fwd, &g, s, dep, dep + bound);
                for n in g.node_ids() {
                    match (plain.secs(n), fwd.secs(n)) {
                        (None, None) => {}
                        (Some(a), Some(b)) if close(a + dep, b) => compared += 1,
                        (a, b) => panic!("case {case_no} {n:?}: {a:?} + {dep} vs {b:?}"),
                    }
                }
                fwd.settled().to_vec()
            } else {
                let arrive_by = dep + 5000.0;
                case.latest(&mut bwd, &g, s, arrive_by, f64::NEG_INFINITY, bound);
                for n in g.node_ids() {
                    match (plain.secs(n), bwd.latest(n), bwd.travel_secs(n)) {
                        (None, None, None) => {}
                        (Some(a), Some(l), Some(t)) if close(arrive_by - a, l) && close(a, t) => {
                            compared += 1
                        }
                        (a, l, t) => panic!("case {case_no} {n:?}: {a:?} vs {l:?} {t:?}"),
                    }
                }
                bwd.settled().to_vec()
            };
            let mut a = settled_plain.clone();
            let mut b = settled_timed;
            a.sort();
            b.sort();
            assert_eq!(a, b, "case {case_no} {direction:?}: settled sets differ");
        }
    }
    assert!(compared > 2000, "only {compared} nodes compared");
}

#[test]
fn latest_departure_bounds_are_respected() {
    let mut rng = Rng::new(0x71ED_0005);
    let mut tree = LatestTree::new();
    let mut unbounded = LatestTree::new();
    let mut pruned = 0usize;
    for case_no in 0..300 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let case = Case::random(&mut rng, &g);
        let target = NodeId(rng.below(g.node_count()) as u32);
        let arrive_by = rng.range_f64(0.0, 2000.0);
        let min_depart = rng.range_f64(-500.0, 1000.0);
        let max_travel = rng.range_f64(0.0, 800.0);
        case.latest(
            &mut unbounded,
            &g,
            target,
            arrive_by,
            f64::NEG_INFINITY,
            f64::INFINITY,
        );
        case.latest(&mut tree, &g, target, arrive_by, min_depart, max_travel);
        for n in g.node_ids().filter(|n| *n != target) {
            match tree.latest(n) {
                Some(l) => {
                    let travel = tree.travel_secs(n).unwrap();
                    assert!(l >= min_depart && travel <= max_travel, "case {case_no}");
                    // A real path: feasible, in time, within the travel bound.
                    let path = tree.path_edges(&g, n).unwrap();
                    let (arrive, walked) = case.walk(&g, n, &path, l);
                    assert!(arrive <= arrive_by && walked <= max_travel * (1.0 + 1e-9));
                    // Never later than the unbounded optimum.
                    assert!(l <= unbounded.latest(n).unwrap());
                }
                None => {
                    // Unsettled: departs too early, travels too long, or cannot go at all. (Could
                    // fail only on an exact tie of latest departures over paths of different
                    // travel times, which jittered random lengths do not produce.)
                    if let Some(l) = unbounded.latest(n) {
                        assert!(
                            l < min_depart || unbounded.travel_secs(n).unwrap() > max_travel,
                            "case {case_no} node {n:?} lost although its best path fits"
                        );
                        pruned += 1;
                    }
                }
            }
        }
        // Exact for min_depart alone: the settled set is every node at or above it.
        case.latest(&mut tree, &g, target, arrive_by, min_depart, f64::INFINITY);
        for n in g.node_ids().filter(|n| *n != target) {
            let want = unbounded.latest(n).filter(|l| *l >= min_depart);
            assert_eq!(tree.latest(n), want, "case {case_no} node {n:?}");
        }
    }
    assert!(pruned > 300, "bounds pruned only {pruned} nodes");
}

#[test]
fn earliest_arrival_bound_is_respected() {
    let mut rng = Rng::new(0x71ED_0006);
    let mut tree = SearchTree::new();
    let mut cut = 0usize;
    for _ in 0..200 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let case = Case::random(&mut rng, &g);
        let s = NodeId(rng.below(g.node_count()) as u32);
        let dep = rng.range_f64(0.0, 300.0);
        let max = dep + rng.range_f64(0.0, 600.0);
        case.earliest(&mut tree, &g, s, dep, f64::INFINITY);
        let all: Vec<Option<f64>> = g.node_ids().map(|n| tree.secs(n)).collect();
        case.earliest(&mut tree, &g, s, dep, max);
        for n in g.node_ids() {
            let want = all[n.index()].filter(|a| *a <= max);
            assert_eq!(tree.secs(n), want);
            if all[n.index()].is_some() && want.is_none() {
                cut += 1;
            }
        }
    }
    assert!(cut > 200, "bound cut only {cut} nodes");
}

#[test]
fn timed_searches_are_deterministic_and_reuse_their_workspace() {
    let mut rng = Rng::new(0x71ED_0007);
    let mut fwd = SearchTree::new();
    let mut bwd = LatestTree::new();
    for _ in 0..100 {
        let g = build(&random_roads(&mut rng));
        if g.node_count() == 0 {
            continue;
        }
        let case = Case::random(&mut rng, &g);
        let s = NodeId(rng.below(g.node_count()) as u32);
        // Reused workspaces (dirty from the previous case) give what fresh ones give.
        case.earliest(&mut fwd, &g, s, 10.0, f64::INFINITY);
        let mut fresh = SearchTree::new();
        case.earliest(&mut fresh, &g, s, 10.0, f64::INFINITY);
        assert_eq!(fwd.settled(), fresh.settled());
        for n in g.node_ids() {
            assert_eq!(fwd.secs(n), fresh.secs(n));
            assert_eq!(fwd.path_edges(&g, n), fresh.path_edges(&g, n));
        }
        case.latest(&mut bwd, &g, s, 900.0, f64::NEG_INFINITY, f64::INFINITY);
        let mut fresh = LatestTree::new();
        case.latest(&mut fresh, &g, s, 900.0, f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(bwd.settled(), fresh.settled());
        for n in g.node_ids() {
            assert_eq!(bwd.latest(n), fresh.latest(n));
            assert_eq!(bwd.path_edges(&g, n), fresh.path_edges(&g, n));
        }
    }
}

// ---------------------------------------------------------------- hand-made

/// A direct 300 m road A=(0,0) → B=(300,0), and a 500 m detour A-(0,100)-(300,100)-B.
fn direct_or_detour() -> (RoadGraph, NodeId, NodeId) {
    let g = build(&[
        road(
            "direct",
            &[[0.0, 0.0], [300.0, 0.0]],
            RoadClass::Residential,
        ),
        road(
            "detour",
            &[[0.0, 0.0], [0.0, 100.0], [300.0, 100.0], [300.0, 0.0]],
            RoadClass::Residential,
        ),
    ]);
    let (a, b) = (node_at(&g, [0.0, 0.0]), node_at(&g, [300.0, 0.0]));
    (g, a, b)
}

#[test]
fn a_road_that_closes_before_it_is_left_is_refused_and_the_later_closing_detour_taken() {
    let (g, a, b) = direct_or_detour();
    let params = RoutingParams::default();
    let direct = close_roads(&g, ["direct"]).unwrap().iter().next().unwrap();
    let mut clock = EdgeClock::open(&g);
    // Walking at 1 m/s from t = 0, the direct road is left at 300 s: it closes at 320 s, so
    // with a 30 s margin it is refused; the detour (never closing) arrives at 500 s.
    clock.close_at(direct, 320.0);
    assert!(clock.any_closing());
    let mut tree = SearchTree::new();
    let none = Closures::none(&g);
    let run = |tree: &mut SearchTree, margin: f64| {
        earliest_arrival_into(
            tree,
            &g,
            Profile::Walk,
            &params,
            &clear(),
            &none,
            &clock,
            margin,
            a,
            0.0,
            f64::INFINITY,
        )
    };
    run(&mut tree, 30.0);
    assert!(near(tree.secs(b).unwrap(), 500.0));
    assert!(!tree.path_edges(&g, b).unwrap().contains(&direct));
    // With a 20 s margin the direct road is just in time.
    run(&mut tree, 20.0);
    assert!(near(tree.secs(b).unwrap(), 300.0));
    assert_eq!(tree.path_edges(&g, b).unwrap(), [direct]);

    // Backwards: to be at B by 1000 s, one may leave A at 700 s by the detour; the direct
    // road would allow leaving at -10 s (320 - 30 - 300), too early to matter.
    let mut lt = LatestTree::new();
    latest_departure_into(
        &mut lt,
        &g,
        Profile::Walk,
        &params,
        &clear(),
        &none,
        &clock,
        30.0,
        b,
        1000.0,
        f64::NEG_INFINITY,
        f64::INFINITY,
    );
    assert!(near(lt.latest(a).unwrap(), 500.0));
    assert_eq!(lt.path(&g, a).unwrap().len(), 4, "the detour");
    assert!(near(lt.travel_secs(a).unwrap(), 500.0));
    // To be there by 250 s the detour means leaving at -250 s, the direct road at -50 s.
    latest_departure_into(
        &mut lt,
        &g,
        Profile::Walk,
        &params,
        &clear(),
        &none,
        &clock,
        30.0,
        b,
        250.0,
        f64::NEG_INFINITY,
        f64::INFINITY,
    );
    assert!(near(lt.latest(a).unwrap(), -50.0));
    let route = lt.route_from(&g, a).unwrap();
    assert_eq!(route.edges, [direct]);
    assert!(near(route.secs, 300.0) && close(route.length_m, 300.0));
}

#[test]
fn edge_clock_keeps_the_earliest_time_and_closes_what_close_polygon_closes() {
    let g = build(&grid_roads(4, 4));
    let mut clock = EdgeClock::open(&g);
    assert_eq!(clock.len(), g.edge_count());
    assert!(!clock.any_closing());
    clock.close_at(EdgeId(0), 600.0);
    clock.close_at(EdgeId(0), 900.0);
    clock.close_at(EdgeId(0), f64::NAN);
    assert_eq!(clock.closes_at(EdgeId(0)), 600.0);
    clock.close_at(EdgeId(0), 60.0);
    assert_eq!(clock.closes_at(EdgeId(0)), 60.0);
    assert!(clock.any_closing());
    // Beyond the clock: never closes (an empty clock fits any graph).
    assert_eq!(EdgeClock::with_len(0).closes_at(EdgeId(5)), f64::INFINITY);

    let area = square(50.0, 50.0, 160.0, 140.0);
    let mut clock = EdgeClock::open(&g);
    clock.close_polygon_at(&g, &area, 1800.0);
    let closed = close_polygon(&g, &area);
    assert!(closed.count() > 0);
    for (id, _) in g.edges() {
        let want = if closed.is_closed(id) {
            1800.0
        } else {
            f64::INFINITY
        };
        assert_eq!(clock.closes_at(id), want, "{id:?}");
    }
    // A second, later zone over the same roads does not reopen them later; an earlier one
    // moves their time forward.
    clock.close_polygon_at(&g, &area, 3600.0);
    clock.close_polygon_at(&g, &square(150.0, -10.0, 260.0, 10.0), 900.0);
    for (id, _) in g.edges() {
        assert!(clock.closes_at(id) <= 1800.0 || !closed.is_closed(id));
    }
    assert!(g.edges().any(|(id, _)| clock.closes_at(id) == 900.0));
}
