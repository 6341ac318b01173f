//! Exact solution of one connected component: a flow relaxation inside a branch and bound
//! over the people who need two helpers.
//!
//! Why this is exact, step by step:
//!
//! 1. **Need-1 people only.** Covering a person is one unit on `person -> sink`; helper
//!    capacities sit on `source -> helper`; each eligible pair is a unit `helper -> person`
//!    edge. Integral flows and feasible assignments correspond one to one, and a flow's
//!    lexicographic [`Cost`] is `(0, -2 * covered weight, travel cost)`. The min-cost flow over
//!    all values (see [`super::flow`]) is integral and optimal, hence so is the assignment.
//! 2. **Need-2 people, relaxed.** An undecided need-2 person gets a capacity-2 sink edge worth
//!    `-weight` half-weights per unit. Any feasible assignment is still a flow with the same
//!    objective (two units earn the full weight, zero units nothing), so the relaxed optimum is
//!    at least as good as every assignment consistent with the decisions so far: a valid bound.
//!    When no undecided person ends up with exactly one unit, the flow *is* an assignment and
//!    therefore optimal for its subtree.
//! 3. **Branching.** A person with one unit is branched on: "out" drops their sink edge;
//!    "in" gives their sink units an extra top tier `forced = -1`, so the solver first
//!    maximises the units reaching forced people. If that maximum is below two per forced
//!    person, no assignment covers them all and the node is infeasible; otherwise the lower
//!    tiers optimise exactly as in step 2. Every assignment lies in exactly one subtree, so
//!    exploring all unpruned subtrees finds the optimum.
//! 4. **Pruning** drops a subtree whose bound is not strictly better than the incumbent, which
//!    cannot lose an optimum (ties keep the solution found first).
//! 5. **Warm starts.** Only the root is solved from an empty flow. A child's network is its
//!    parent's with one edit ("out": remove the person's arc and sink edges; "in": give the
//!    sink edge the forced tier), so the child copies the parent's optimal flow and potentials,
//!    applies the edit and re-optimises ([`super::flow`] docs: the potentials stay an
//!    optimality certificate throughout). That gives the child's exact relaxed optimum, the
//!    same value a from-scratch solve gives, so steps 2 to 4 hold unchanged; only which of
//!    several equally good flows comes back can differ, and with it the tie-break below.
//!    A warm child typically needs one or two shortest paths instead of one per person.
//! 6. **Tagged helpers.** A person with `min_tagged = k > 0` receives their tagged arcs'
//!    edges directly (`helper -> person`) and their untagged ones through an own node:
//!    `helper -> aux -> person`, with `aux -> person` of capacity `need - k` and cost 0. A
//!    feasible assignment uses at most `need - k` untagged helpers for a covered person, so it
//!    is still a flow with the same objective and steps 1 and 2 hold: the relaxation is a
//!    valid bound. A flow with no undecided person at one unit gives every covered person
//!    `need` units, at most `need - k` of them untagged, so it is an assignment. Rounding
//!    (taking the single unit away) only loosens capacities and leaves other people as they
//!    were, so it stays feasible. "Out" removes the aux edge together with the person's arc
//!    and sink edges, so no flow is left on it and the aux node is cut off; the removal is an
//!    ordinary edge removal in step 5. (`solve` already drops untagged arcs of people with
//!    `k = need`, so in practice only need-2 people with `k = 1` get an aux node.)
//!
//! Search order (this is the tie-break rule): relaxations warm-started as in step 5; depth first; branch on the undecided person
//! with the lowest index among those holding one unit; evaluate both children and enter the
//! one with the better bound first, "in" first when the bounds are equal. Everything is a
//! function of the component's content in index order, so identical input gives identical
//! output.

use super::flow::{Cost, EdgeId, Network};

/// One component with local indices: people and helpers renumbered from 0 in ascending global
/// order, arcs sorted by `(person, helper)`.
#[derive(Clone, Debug, Default)]
pub(super) struct ComponentInput {
    pub need: Vec<u8>,
    /// Per person, the least number of tagged helpers when covered; at most `need`.
    pub min_tagged: Vec<u8>,
    pub weight: Vec<u64>,
    pub capacity: Vec<u32>,
    /// `(person, helper, cost)`, local indices.
    pub arcs: Vec<(usize, usize, u64)>,
    /// Per arc (same order as `arcs`), whether it is tagged.
    pub tagged: Vec<bool>,
}

/// The component's answer and how hard it was to get.
#[derive(Clone, Debug)]
pub(super) struct ComponentOutcome {
    /// Local helper indices per local person, ascending; empty when not covered.
    pub assigned: Vec<Vec<usize>>,
    /// The root relaxation was fractional, so branching was needed.
    pub branched: bool,
    /// Relaxations solved, the root included.
    pub nodes: u64,
    /// False when a budget ran out before optimality was proven.
    pub optimal: bool,
    /// No assignment covers more weight than this: the root relaxation's bound.
    pub weight_bound: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Open,
    In,
    Out,
}

/// A solved relaxation.
#[derive(Clone, Debug)]
struct Relaxation {
    /// `(0, -half-weights, cost)`: smaller is better.
    value: Cost,
    /// Units received per person.
    units: Vec<u8>,
    /// Whether each arc carries flow.
    used: Vec<bool>,
    /// The solved network, kept to warm-start the children; `None` for incumbents.
    net: Option<Network>,
}

/// How children of the root are solved. Both give the same relaxed optimum; the flows may be
/// different optima when several tie, which can change the branching and the tie-break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ChildSolve {
    /// Edit the parent's optimal flow and re-optimise it (`flow` module docs).
    WarmStart,
    /// Build and solve each child's network anew; kept to test the warm start against.
    #[cfg(test)]
    FromScratch,
}

impl Relaxation {
    fn first_fractional(&self, input: &ComponentInput) -> Option<usize> {
        (0..input.need.len()).find(|&p| input.need[p] == 2 && self.units[p] == 1)
    }

    /// A feasible assignment obtained by taking the single unit away from every need-2 person
    /// who holds one: capacities only get looser, everyone else keeps 0 or `need` helpers.
    fn rounded(&self, input: &ComponentInput) -> Relaxation {
        let mut r = Relaxation {
            value: self.value,
            units: self.units.clone(),
            used: self.used.clone(),
            net: None,
        };
        for (a, &(p, _, cost)) in input.arcs.iter().enumerate() {
            if input.need[p] == 2 && self.units[p] == 1 && self.used[a] {
                r.used[a] = false;
                r.units[p] = 0;
                r.value.weight += i128::from(input.weight[p]);
                r.value.cost -= i128::from(cost);
            }
        }
        r
    }
}

/// Solves one component exactly, or best-effort when more than `max_nodes` relaxations or
/// `max_work` work units (see `MatchingParams::max_search_work`) would be needed; then
/// `optimal` is false.
pub(super) fn solve_component(
    input: &ComponentInput,
    max_nodes: u64,
    max_work: u64,
) -> ComponentOutcome {
    solve_component_with(input, max_nodes, max_work, ChildSolve::WarmStart)
}

pub(super) fn solve_component_with(
    input: &ComponentInput,
    max_nodes: u64,
    max_work: u64,
    child_solve: ChildSolve,
) -> ComponentOutcome {
    let mut decisions = vec![Decision::Open; input.need.len()];
    let built = build(input, &decisions);
    // The root has every edge, so its edge handles serve every descendant (an edge removed
    // by a warm-started "out" child reports no flow).
    let (arc_edges, sink_edges, aux_edges) = (
        built.arc_edges.clone(),
        built.sink_edges.clone(),
        built.aux_edges.clone(),
    );
    let root = solve_built(built, 0).expect("the root forces nobody, so it is feasible");
    let mut arc_start = vec![input.arcs.len(); input.need.len() + 1];
    for (a, &(p, _, _)) in input.arcs.iter().enumerate().rev() {
        arc_start[p] = a;
    }
    for p in (0..input.need.len()).rev() {
        arc_start[p] = arc_start[p].min(arc_start[p + 1]);
    }
    let branched = root.first_fractional(input).is_some();
    // Weights are integers, so half the relaxed half-weights, rounded down, still bounds the
    // covered weight; it fits u64 because the problem's total weight does.
    let weight_bound = u64::try_from(-root.value.weight / 2).expect("bounded by total weight");
    let mut search = Search {
        input,
        child_solve,
        arc_edges,
        sink_edges,
        aux_edges,
        arc_start,
        max_nodes,
        max_work,
        work_per_search: input.arcs.len() as u64 + 1,
        nodes: 1,
        work: root_work(input),
        exhausted: false,
        // Rounding the root gives a feasible incumbent for free: it helps pruning and is
        // what comes back if the budget runs out before the search finds anything better.
        best: Some(root.rounded(input)),
    };
    search.explore(&mut decisions, root);
    let best = search
        .best
        .take()
        .expect("the rounded root is always an incumbent");
    let mut assigned = vec![Vec::new(); input.need.len()];
    for (a, &(p, h, _)) in input.arcs.iter().enumerate() {
        if best.used[a] {
            assigned[p].push(h);
        }
    }
    // Arcs are sorted by (person, helper), so each list is already ascending.
    ComponentOutcome {
        assigned,
        branched,
        nodes: search.nodes,
        optimal: !search.exhausted,
        weight_bound,
    }
}

/// Work units of a relaxation solved from an empty flow: a search per person.
fn root_work(input: &ComponentInput) -> u64 {
    (input.need.len() as u64 + 1).saturating_mul(input.arcs.len() as u64 + 1)
}

struct Search<'a> {
    input: &'a ComponentInput,
    child_solve: ChildSolve,
    /// The root network's edge per arc and sink edge per person (all present), and the
    /// `aux -> person` edge of each person with `min_tagged > 0` (step 6).
    arc_edges: Vec<Option<EdgeId>>,
    sink_edges: Vec<Option<EdgeId>>,
    aux_edges: Vec<Option<EdgeId>>,
    /// Person `p`'s arcs are `arc_start[p]..arc_start[p + 1]` (arcs are sorted by person).
    arc_start: Vec<usize>,
    max_nodes: u64,
    max_work: u64,
    /// One shortest-path search: arcs + 1 work units.
    work_per_search: u64,
    nodes: u64,
    work: u64,
    exhausted: bool,
    best: Option<Relaxation>,
}

impl Search<'_> {
    /// Solves the child of `parent` where person `p` was just decided (`decisions[p]`).
    fn evaluate(
        &mut self,
        decisions: &[Decision],
        parent: &Relaxation,
        p: usize,
    ) -> Option<Relaxation> {
        // A from-scratch solve is charged up front; a warm start is charged one search over
        // the arcs (the copy and the edit) up front, plus one per path it then needs.
        let upfront = match self.child_solve {
            ChildSolve::WarmStart => self.work_per_search,
            #[cfg(test)]
            ChildSolve::FromScratch => root_work(self.input),
        };
        let work = self.work.saturating_add(upfront);
        if self.nodes >= self.max_nodes || work > self.max_work {
            self.exhausted = true;
            return None;
        }
        self.nodes += 1;
        self.work = work;
        let forced = decisions.iter().filter(|&&d| d == Decision::In).count();
        match self.child_solve {
            ChildSolve::WarmStart => {
                let mut net = parent
                    .net
                    .clone()
                    .expect("explored nodes keep their network");
                match decisions[p] {
                    Decision::Out => {
                        let arcs = &self.arc_edges[self.arc_start[p]..self.arc_start[p + 1]];
                        for e in arcs.iter().chain([&self.sink_edges[p]]) {
                            net.remove_edge(e.expect("root edge"));
                        }
                        // Removing the aux edge too leaves no flow on it (step 6).
                        if let Some(e) = self.aux_edges[p] {
                            net.remove_edge(e);
                        }
                    }
                    Decision::In => {
                        let w = i128::from(self.input.weight[p]);
                        let sink = self.sink_edges[p].expect("root edge");
                        net.set_cost(sink, Cost::new(-1, -w, 0));
                    }
                    Decision::Open => unreachable!("children decide their person"),
                }
                let paths = net.reoptimise();
                self.work =
                    (self.work).saturating_add(self.work_per_search.saturating_mul(paths as u64));
                let cost = net.total_cost();
                read_relaxation(net, &self.arc_edges, &self.sink_edges, cost, forced)
            }
            #[cfg(test)]
            ChildSolve::FromScratch => solve_built(build(self.input, decisions), forced),
        }
    }

    fn cannot_improve(&self, r: &Relaxation) -> bool {
        self.best.as_ref().is_some_and(|b| r.value >= b.value)
    }

    fn explore(&mut self, decisions: &mut [Decision], node: Relaxation) {
        let Some(p) = node.first_fractional(self.input) else {
            if !self.cannot_improve(&node) {
                self.best = Some(Relaxation { net: None, ..node });
            }
            return;
        };
        let mut children = Vec::with_capacity(2);
        for d in [Decision::In, Decision::Out] {
            decisions[p] = d;
            if let Some(child) = self.evaluate(decisions, &node, p) {
                children.push((d, child));
            }
        }
        // The children hold their own networks; free the parent's before going deeper.
        drop(node);
        // Stable: "in" stays first on equal bounds.
        children.sort_by_key(|(_, child)| child.value);
        for (d, child) in children {
            if !self.cannot_improve(&child) {
                decisions[p] = d;
                self.explore(decisions, child);
            }
        }
        decisions[p] = Decision::Open;
    }
}

/// A relaxation's network and the handles of its arc, sink and aux edges (`None` where the
/// decisions leave an edge out, and aux edges of people without `min_tagged`).
struct Built {
    net: Network,
    arc_edges: Vec<Option<EdgeId>>,
    sink_edges: Vec<Option<EdgeId>>,
    aux_edges: Vec<Option<EdgeId>>,
}

const SOURCE: usize = 0;
const SINK: usize = 1;

/// Builds the flow relaxation under `decisions`.
fn build(input: &ComponentInput, decisions: &[Decision]) -> Built {
    let helpers = input.capacity.len();
    let people = input.need.len();
    let helper_node = |h: usize| 2 + h;
    let person_node = |p: usize| 2 + helpers + p;
    // Step 6: people with a tag constraint get an aux node, numbered after the people.
    let mut aux_count = 0;
    let aux_node: Vec<Option<usize>> = input
        .min_tagged
        .iter()
        .map(|&k| {
            (k > 0).then(|| {
                aux_count += 1;
                2 + helpers + people + aux_count - 1
            })
        })
        .collect();
    let mut net = Network::new(2 + helpers + people + aux_count);
    // Added layer by layer (source, helpers, aux nodes, people) so Bellman-Ford settles in
    // one sweep.
    for (h, &cap) in input.capacity.iter().enumerate() {
        net.add_edge(SOURCE, helper_node(h), i64::from(cap), Cost::ZERO);
    }
    let arc_edges = input
        .arcs
        .iter()
        .zip(&input.tagged)
        .map(|(&(p, h, cost), &tagged)| {
            let head = match aux_node[p] {
                Some(aux) if !tagged => aux,
                _ => person_node(p),
            };
            (decisions[p] != Decision::Out)
                .then(|| net.add_edge(helper_node(h), head, 1, Cost::new(0, 0, i128::from(cost))))
        })
        .collect();
    let aux_edges = (0..people)
        .map(|p| {
            let aux = aux_node[p]?;
            let untagged = input.need[p].saturating_sub(input.min_tagged[p]);
            (decisions[p] != Decision::Out)
                .then(|| net.add_edge(aux, person_node(p), i64::from(untagged), Cost::ZERO))
        })
        .collect();
    let mut sink_edges = Vec::with_capacity(people);
    for (p, &decision) in decisions.iter().enumerate() {
        let w = i128::from(input.weight[p]);
        let edge = match (input.need[p], decision) {
            (_, Decision::Out) => None,
            (1, _) => Some(net.add_edge(person_node(p), SINK, 1, Cost::new(0, -2 * w, 0))),
            (_, Decision::Open) => Some(net.add_edge(person_node(p), SINK, 2, Cost::new(0, -w, 0))),
            (_, Decision::In) => Some(net.add_edge(person_node(p), SINK, 2, Cost::new(-1, -w, 0))),
        };
        sink_edges.push(edge);
    }
    Built {
        net,
        arc_edges,
        sink_edges,
        aux_edges,
    }
}

/// Solves a freshly built relaxation with `forced` people decided "in"; `None` when they
/// cannot all receive two helpers.
fn solve_built(mut built: Built, forced: usize) -> Option<Relaxation> {
    let outcome = built.net.min_cost_flow(SOURCE, SINK);
    read_relaxation(
        built.net,
        &built.arc_edges,
        &built.sink_edges,
        outcome.cost,
        forced,
    )
}

/// Reads the relaxation off a solved network whose flow costs `cost`; `None` when the
/// `forced` people did not all receive two units.
fn read_relaxation(
    net: Network,
    arc_edges: &[Option<EdgeId>],
    sink_edges: &[Option<EdgeId>],
    cost: Cost,
    forced: usize,
) -> Option<Relaxation> {
    if cost.forced != -2 * forced as i128 {
        return None;
    }
    let units = sink_edges
        .iter()
        .map(|e| e.map_or(0, |e| net.flow(e) as u8))
        .collect();
    let used = arc_edges
        .iter()
        .map(|e| e.is_some_and(|e| net.flow(e) == 1))
        .collect();
    Some(Relaxation {
        value: Cost::new(0, cost.weight, cost.cost),
        units,
        used,
        net: Some(net),
    })
}
