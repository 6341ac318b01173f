//! Min-cost flow by successive shortest paths with Johnson potentials, written for the
//! helper matching and nothing else.
//!
//! Why this way: the matching networks are small per component (tens to a few thousand nodes),
//! unit-capacity in the middle layer, and their only negative costs sit on the arcs into the
//! sink. Successive shortest paths is the textbook exact method for that shape and short enough
//! to read in one sitting. Costs are a lexicographic triple ([`Cost`]) instead of one big-M
//! integer, so no tier can overflow into the next whatever the weights and seconds are.
//!
//! The solver computes a *minimum-cost flow of any value*: it augments along cheapest paths
//! while the cheapest path has negative total cost, and stops at the first one that does not.
//! Successive shortest paths yields, for every flow value k, a cheapest flow of value k, and the
//! cost of the k-th path never decreases (the cost of a min-cost k-flow is convex in k), so the
//! first non-negative path marks the global minimum over all flow values.
//!
//! Key types: [`Cost`], [`Network`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::{Add, AddAssign, Neg, Sub};

/// A cost compared lexicographically: `forced` first, then `weight`, then `cost`.
///
/// The tiers let one solve express "first saturate the forced people, then cover as much
/// weight as possible, then spend as few seconds as possible" exactly. Each tier is an `i128`
/// and only ever holds sums of at most (arcs in the component) values of at most `2^65`, so it
/// cannot overflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Cost {
    /// Negative per unit delivered to a person whose coverage is forced (branch "in").
    pub forced: i128,
    /// Negative per unit of priority weight gained, in half-weights (see the parent module).
    pub weight: i128,
    /// Travel cost in the caller's unit, e.g. seconds.
    pub cost: i128,
}

impl Cost {
    pub const ZERO: Cost = Cost {
        forced: 0,
        weight: 0,
        cost: 0,
    };

    pub fn new(forced: i128, weight: i128, cost: i128) -> Cost {
        Cost {
            forced,
            weight,
            cost,
        }
    }

    fn times(self, k: i64) -> Cost {
        let k = i128::from(k);
        Cost::new(self.forced * k, self.weight * k, self.cost * k)
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost::new(
            self.forced + o.forced,
            self.weight + o.weight,
            self.cost + o.cost,
        )
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}

impl Sub for Cost {
    type Output = Cost;
    fn sub(self, o: Cost) -> Cost {
        self + (-o)
    }
}

impl Neg for Cost {
    type Output = Cost;
    fn neg(self) -> Cost {
        Cost::new(-self.forced, -self.weight, -self.cost)
    }
}

/// Handle of an edge added with [`Network::add_edge`], to read its flow afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EdgeId(usize);

/// A directed network with integer capacities and [`Cost`]s, stored as paired residual edges
/// (edge `2i` forward, `2i + 1` its reverse).
#[derive(Clone, Debug)]
pub(crate) struct Network {
    adj: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<Cost>,
    /// Capacity each forward edge was created with, to report its flow.
    orig_cap: Vec<i64>,
}

/// What [`Network::min_cost_flow`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FlowOutcome {
    pub flow: i64,
    pub cost: Cost,
}

impl Network {
    pub fn new(nodes: usize) -> Network {
        Network {
            adj: vec![Vec::new(); nodes],
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            orig_cap: Vec::new(),
        }
    }

    /// Adds `from -> to` with capacity `cap >= 0` and per-unit `cost`.
    ///
    /// Add edges in a topological order of the (acyclic) input network when you can: the
    /// initial Bellman-Ford pass then settles in one sweep.
    pub fn add_edge(&mut self, from: usize, to: usize, cap: i64, cost: Cost) -> EdgeId {
        debug_assert!(cap >= 0);
        let id = self.to.len();
        self.adj[from].push(id);
        self.to.push(to);
        self.cap.push(cap);
        self.cost.push(cost);
        self.orig_cap.push(cap);
        self.adj[to].push(id + 1);
        self.to.push(from);
        self.cap.push(0);
        self.cost.push(-cost);
        self.orig_cap.push(0);
        EdgeId(id)
    }

    /// Units currently sent along the edge.
    pub fn flow(&self, e: EdgeId) -> i64 {
        self.orig_cap[e.0] - self.cap[e.0]
    }

    fn from(&self, e: usize) -> usize {
        self.to[e ^ 1]
    }

    /// Sends flow from `s` to `t` so that the total cost is minimal over all flow values
    /// (see the module docs), and returns the value and cost reached.
    ///
    /// Panics if the network holds a negative-cost cycle; the matching networks are acyclic
    /// before the first augmentation, so that would be a bug here.
    pub fn min_cost_flow(&mut self, s: usize, t: usize) -> FlowOutcome {
        let n = self.adj.len();
        let mut pot = self.initial_potentials(s);
        let mut total = FlowOutcome {
            flow: 0,
            cost: Cost::ZERO,
        };
        let mut dist: Vec<Option<Cost>> = vec![None; n];
        let mut done = vec![false; n];
        let mut prev = vec![usize::MAX; n];
        let mut heap = BinaryHeap::new();
        loop {
            dist.fill(None);
            done.fill(false);
            heap.clear();
            dist[s] = Some(Cost::ZERO);
            heap.push(Reverse((Cost::ZERO, s)));
            // Dijkstra on reduced costs, stopped as soon as the sink is settled.
            let mut reached = None;
            while let Some(Reverse((d, u))) = heap.pop() {
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == t {
                    reached = Some(d);
                    break;
                }
                let base = d + pot[u];
                for &e in &self.adj[u] {
                    if self.cap[e] == 0 {
                        continue;
                    }
                    let v = self.to[e];
                    if done[v] {
                        continue;
                    }
                    let nd = base + self.cost[e] - pot[v];
                    if dist[v].is_none_or(|old| nd < old) {
                        dist[v] = Some(nd);
                        prev[v] = e;
                        heap.push(Reverse((nd, v)));
                    }
                }
            }
            let Some(d_t) = reached else { break };
            // Actual cost of the path = reduced cost + pot[t] - pot[s], with pot[s] = 0.
            if d_t + pot[t] - pot[s] >= Cost::ZERO {
                break;
            }
            // Raising every potential by min(dist, d_t) keeps all reduced costs non-negative
            // even for nodes Dijkstra did not settle: for an edge (u, v) with rc >= 0,
            // min(dist[v], D) <= min(dist[u] + rc, D) <= min(dist[u], D) + rc.
            for v in 0..n {
                let dv = if done[v] {
                    dist[v].expect("settled nodes have a distance")
                } else {
                    d_t
                };
                pot[v] += dv.min(d_t);
            }
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                let e = prev[v];
                push = push.min(self.cap[e]);
                v = self.from(e);
            }
            let mut v = t;
            while v != s {
                let e = prev[v];
                self.cap[e] -= push;
                self.cap[e ^ 1] += push;
                total.cost += self.cost[e].times(push);
                v = self.from(e);
            }
            total.flow += push;
        }
        total
    }

    /// Shortest distances from `s` over edges with residual capacity (Bellman-Ford, which
    /// tolerates the negative sink arcs). Nodes `s` cannot reach get 0: no residual edge can
    /// ever lead into them later, because augmentations only open reverses of edges on paths
    /// from `s`.
    fn initial_potentials(&self, s: usize) -> Vec<Cost> {
        let n = self.adj.len();
        let mut dist: Vec<Option<Cost>> = vec![None; n];
        dist[s] = Some(Cost::ZERO);
        for _pass in 0..=n {
            let mut changed = false;
            for e in 0..self.to.len() {
                if self.cap[e] == 0 {
                    continue;
                }
                let Some(du) = dist[self.from(e)] else {
                    continue;
                };
                let nd = du + self.cost[e];
                let v = self.to[e];
                if dist[v].is_none_or(|old| nd < old) {
                    dist[v] = Some(nd);
                    changed = true;
                }
            }
            if !changed {
                return dist.into_iter().map(|d| d.unwrap_or(Cost::ZERO)).collect();
            }
        }
        panic!("negative-cost cycle in a matching network: the network builder is broken");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(cost: i128) -> Cost {
        Cost::new(0, 0, cost)
    }

    /// Greedy picks the cheapest pair (a, x) first and then cannot place b; the optimum
    /// serves both people through the augmenting path that reroutes a to y.
    #[test]
    fn assignment_where_greedy_fails() {
        // 0 = s, 1 = t, helpers x = 2, y = 3, people a = 4, b = 5.
        let mut net = Network::new(6);
        net.add_edge(0, 2, 1, c(0));
        net.add_edge(0, 3, 1, c(0));
        let ax = net.add_edge(2, 4, 1, c(1));
        let ay = net.add_edge(3, 4, 1, c(2));
        let bx = net.add_edge(2, 5, 1, c(3));
        net.add_edge(4, 1, 1, Cost::new(0, -1, 0));
        net.add_edge(5, 1, 1, Cost::new(0, -1, 0));
        let out = net.min_cost_flow(0, 1);
        assert_eq!(out.flow, 2);
        assert_eq!(out.cost, Cost::new(0, -2, 5));
        assert_eq!((net.flow(ax), net.flow(ay), net.flow(bx)), (0, 1, 1));
    }

    /// Stops at the value with the least cost, not at the maximum flow.
    #[test]
    fn stops_when_the_next_path_does_not_pay() {
        let mut net = Network::new(4);
        net.add_edge(0, 2, 2, c(0));
        net.add_edge(2, 3, 2, c(0));
        // First unit earns 5 net, second would cost 3 net.
        net.add_edge(3, 1, 1, c(-5));
        net.add_edge(3, 1, 1, c(3));
        let out = net.min_cost_flow(0, 1);
        assert_eq!(
            out,
            FlowOutcome {
                flow: 1,
                cost: c(-5)
            }
        );
    }

    /// A classic min-cost max-flow instance (two disjoint cheap routes blocked by a shared
    /// edge) solved with large negative sink reward so that all flow is pushed.
    #[test]
    fn rerouting_through_reverse_edges() {
        // s=0, t=1, a=2, b=3, c=4, d=5.
        let mut net = Network::new(6);
        net.add_edge(0, 2, 1, c(1));
        net.add_edge(0, 3, 1, c(4));
        net.add_edge(2, 4, 1, c(1));
        net.add_edge(2, 5, 1, c(4));
        net.add_edge(3, 4, 1, c(1));
        net.add_edge(4, 5, 1, c(1));
        let ct = net.add_edge(4, 1, 1, Cost::new(0, -1, 2));
        let dt = net.add_edge(5, 1, 2, Cost::new(0, -1, 1));
        let out = net.min_cost_flow(0, 1);
        // The first cheapest path s-a-c-t (4) blocks b, whose only way is through c; the
        // second path reroutes: s-b-c-d-t (7), or equivalently a through c-d, total 11 rather
        // than the 13 of the two edge-disjoint routes s-a-d-t and s-b-c-t.
        assert_eq!(out.flow, 2);
        assert_eq!(out.cost, Cost::new(0, -2, 11));
        assert_eq!((net.flow(ct), net.flow(dt)), (1, 1));
    }
}
