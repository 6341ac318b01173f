//! Helper matching: which helpers escort which person, chosen optimally and reproducibly.
//!
//! The problem is abstract (no map): people ([`Demand`]) need one or two distinct helpers,
//! helpers ([`Supply`]) can escort up to `capacity` people, and [`Arc`]s list the eligible
//! pairs with a cost (typically seconds, already discounted for existing relationships). A
//! person is covered all-or-nothing: someone who needs two helpers and can only get one gets
//! none. [`solve`] maximises the total weight of covered people and then minimises the total
//! cost of the arcs used.
//!
//! Why this way:
//! - The person–helper graph splits into connected components that cannot affect each other;
//!   each is solved on its own (in parallel, largest first) and the answers are merged in
//!   ascending order of each component's lowest person index.
//! - A component with only need-1 people is a min-cost flow problem, solved exactly by
//!   successive shortest paths (`flow`). Costs are lexicographic triples instead of one
//!   big-M integer, so huge weights or costs cannot overflow one objective into another.
//! - Need-2 people make the problem NP-hard in general (all-or-nothing is not a flow
//!   constraint), so such components run a branch and bound over their need-2 people with the
//!   flow as relaxation (`component`, whose docs give the exactness argument). It is exact
//!   unless a budget in [`MatchingParams`] runs out, which [`SolveStats::optimal`] reports;
//!   the caller must surface that flag rather than present the plan as optimal.
//!
//! Scale: a component's first relaxation costs roughly (people + 1) x (arcs + 1) steps (one
//! shortest-path search per person covered); every later one starts from its parent's optimal
//! flow (`component`, step 5) and typically costs one or two searches, (arcs + 1) steps each.
//! Measured on 2 cores: the synthetic city's saved plan (1,942 people, 8,453 arcs, 7
//! components, 311 relaxations) solves in 0.07 s, against 12 s with every relaxation solved
//! from scratch, and its 2,358 shelter choices (13,957 arcs, 4 components) in 0.1 s. Two
//! things besides the warm starts get there: the first relaxation's searches run on costs
//! packed into one `i64` when the tiers allow (`flow`, `Packing`: the same comparisons, so the
//! same flow), and components are solved in parallel. The first relaxation is not
//! warm-started: the benchmark's city-wide layout (3,418 people and 68,501 arcs in one
//! component) took about 11 s before the packing, nearly all of it
//! there. Build arcs so that components stay district-sized (e.g. helpers from the person's
//! own or neighbouring block).
//! - Backup helpers ([`assign_backups`]) are a plain need-1 matching on a derived problem and
//!   reuse [`solve`] as is.
//!
//! Tie-break rule: among equally good solutions the one returned is the first reached by a
//! fixed search order over the input in index order (see `component`). The input's arc order
//! does not matter (arcs are normalised to `(person, helper)` order), identical input gives an
//! identical solution, and a component's answer does not depend on the other components.
//!
//! Key types: [`MatchingProblem`], [`MatchingParams`], [`MatchingSolution`], [`SolveStats`],
//! [`BackupParams`], [`MatchingError`].

mod component;
mod flow;
#[cfg(test)]
mod tests;

use component::{ComponentInput, solve_component};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// A person to cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Demand {
    /// How many distinct helpers the person needs at once: 1 or 2.
    pub need: u8,
    /// Priority weight, normally >= 1. A person with weight 0 is never covered, since
    /// covering them gains nothing and costs something.
    pub weight: u64,
}

/// A helper who can escort people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Supply {
    /// How many people this helper can escort in one evacuation.
    pub capacity: u32,
}

/// An eligible (person, helper) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Arc {
    /// Index into [`MatchingProblem::people`].
    pub person: usize,
    /// Index into [`MatchingProblem::helpers`].
    pub helper: usize,
    /// Cost of this helper escorting this person, e.g. seconds.
    pub cost: u64,
}

/// The matching problem. Several arcs for the same pair are allowed; only the cheapest
/// counts (the first of equal ones), everywhere in this module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingProblem {
    pub people: Vec<Demand>,
    pub helpers: Vec<Supply>,
    pub arcs: Vec<Arc>,
}

/// Tuning for [`solve`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchingParams {
    /// Most flow relaxations solved per component (the root is always solved). Default
    /// 20,000: a district-sized component needs a handful; see the module docs for what
    /// happens when it runs out.
    pub max_branch_nodes: u64,
    /// Most work per component, in steps of one arc scanned by a shortest-path search: the
    /// root relaxation counts (people + 1) x (arcs + 1), each later relaxation (arcs + 1) per
    /// search plus (arcs + 1) for copying its parent (module docs, "Scale"). It bounds running
    /// time where a node count cannot, since one relaxation of a city-sized component costs as
    /// much as thousands of district-sized ones. Default 10^9, tens of seconds on the
    /// reference machine; the root is solved even when it alone exceeds this, and the last
    /// relaxation may overshoot by its own searches.
    pub max_search_work: u64,
}

impl Default for MatchingParams {
    fn default() -> Self {
        MatchingParams {
            max_branch_nodes: 20_000,
            max_search_work: 1_000_000_000,
        }
    }
}

/// How the solve went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolveStats {
    /// Connected components with at least one arc.
    pub components: usize,
    /// Components whose first relaxation was fractional, so branching was needed.
    pub branched_components: usize,
    /// Flow relaxations solved over all components, roots included.
    pub nodes: u64,
    /// Most relaxations solved in one component.
    pub max_component_nodes: u64,
    /// Components where a budget ran out.
    pub unproven_components: usize,
    /// True when the solution is proven optimal. False means the budget ran out somewhere:
    /// the solution is feasible and the best found, but the caller must say it may not be
    /// the best possible.
    pub optimal: bool,
    /// No solution covers more weight than this (the flow relaxation's bound, summed over
    /// components). Equal to the covered weight when `optimal`; otherwise shows the most
    /// that could be missing.
    pub covered_weight_bound: u64,
}

/// The chosen helpers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchingSolution {
    /// Per person, the helper indices assigned, ascending; empty when not covered.
    pub assigned: Vec<Vec<usize>>,
    /// Total weight of covered people.
    pub covered_weight: u64,
    /// Total cost of the arcs used.
    pub total_cost: u64,
    pub stats: SolveStats,
}

/// The two objective values of a solution; [`Objective::is_better_than`] compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Objective {
    pub covered_weight: u64,
    pub total_cost: u64,
}

impl Objective {
    /// More covered weight wins; on equal weight the lower cost wins.
    pub fn is_better_than(&self, other: &Objective) -> bool {
        (self.covered_weight, std::cmp::Reverse(self.total_cost))
            > (other.covered_weight, std::cmp::Reverse(other.total_cost))
    }
}

/// How much backup duty each helper may take.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackupCapacity {
    /// As many people as the helper can escort ([`Supply::capacity`]).
    #[default]
    SameAsEscort,
    /// The same number for every helper.
    Uniform(u32),
    /// One number per helper, in [`MatchingProblem::helpers`] order.
    PerHelper(Vec<u32>),
}

/// Tuning for [`assign_backups`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupParams {
    pub capacity: BackupCapacity,
}

/// Why a problem or solution was rejected.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum MatchingError {
    #[error("arc {arc} names person {person}, but there are only {people} people")]
    PersonOutOfRange {
        arc: usize,
        person: usize,
        people: usize,
    },
    #[error("arc {arc} names helper {helper}, but there are only {helpers} helpers")]
    HelperOutOfRange {
        arc: usize,
        helper: usize,
        helpers: usize,
    },
    #[error("person {person} needs {need} helpers; only 1 or 2 is supported")]
    UnsupportedNeed { person: usize, need: u8 },
    #[error("the total weight of all people does not fit in 64 bits")]
    WeightOverflow,
    #[error("the total cost of all arcs does not fit in 64 bits")]
    CostOverflow,
    #[error("the solution lists {found} people, the problem has {expected}")]
    SolutionShape { expected: usize, found: usize },
    #[error("backup capacities list {found} helpers, the problem has {expected}")]
    BackupCapacityShape { expected: usize, found: usize },
}

/// A component in global indices: its people (ascending), helpers (unsorted, repeated) and
/// arcs `(person, helper, cost)`.
type RawComponent = (Vec<usize>, Vec<usize>, Vec<(usize, usize, u64)>);

/// Checks the problem and returns the cheapest cost per pair, in `(person, helper)` order.
///
/// Limiting the sum of all (deduplicated) arc costs and weights to `u64` makes every
/// solution's totals fit the `u64` fields of [`MatchingSolution`].
fn validate(problem: &MatchingProblem) -> Result<BTreeMap<(usize, usize), u64>, MatchingError> {
    for (person, d) in problem.people.iter().enumerate() {
        if !(1..=2).contains(&d.need) {
            return Err(MatchingError::UnsupportedNeed {
                person,
                need: d.need,
            });
        }
    }
    problem
        .people
        .iter()
        .try_fold(0u64, |acc, d| acc.checked_add(d.weight))
        .ok_or(MatchingError::WeightOverflow)?;
    let mut pairs = BTreeMap::new();
    for (i, a) in problem.arcs.iter().enumerate() {
        if a.person >= problem.people.len() {
            return Err(MatchingError::PersonOutOfRange {
                arc: i,
                person: a.person,
                people: problem.people.len(),
            });
        }
        if a.helper >= problem.helpers.len() {
            return Err(MatchingError::HelperOutOfRange {
                arc: i,
                helper: a.helper,
                helpers: problem.helpers.len(),
            });
        }
        pairs
            .entry((a.person, a.helper))
            .and_modify(|c: &mut u64| *c = (*c).min(a.cost))
            .or_insert(a.cost);
    }
    pairs
        .values()
        .try_fold(0u64, |acc, &c| acc.checked_add(c))
        .ok_or(MatchingError::CostOverflow)?;
    Ok(pairs)
}

/// Finds an assignment of helpers to people that covers the most weight and, among those,
/// costs least.
///
/// Errors when an arc names a missing person or helper, a need is not 1 or 2, or the sums
/// of weights or arc costs overflow `u64`. Check [`SolveStats::optimal`]: it is false only
/// when a budget in [`MatchingParams`] ran out.
pub fn solve(
    problem: &MatchingProblem,
    params: &MatchingParams,
) -> Result<MatchingSolution, MatchingError> {
    let pairs = validate(problem)?;
    let n_people = problem.people.len();
    // Arcs that cannot be part of any assignment are dropped before components are formed,
    // which keeps components small: helpers without capacity, people with too few arcs.
    let mut arc_count = vec![0usize; n_people];
    for &(p, h) in pairs.keys() {
        if problem.helpers[h].capacity > 0 {
            arc_count[p] += 1;
        }
    }
    let usable: Vec<(usize, usize, u64)> = pairs
        .iter()
        .filter(|&(&(p, h), _)| {
            problem.helpers[h].capacity > 0 && arc_count[p] >= usize::from(problem.people[p].need)
        })
        .map(|(&(p, h), &c)| (p, h, c))
        .collect();

    // Union-find over people (0..n_people) and helpers (n_people..).
    let mut parent: Vec<usize> = (0..n_people + problem.helpers.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(p, h, _) in &usable {
        let (a, b) = (find(&mut parent, p), find(&mut parent, n_people + h));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    // Components numbered by their lowest person; `usable` is sorted by person, so the
    // first arc seen for a root comes from that lowest person.
    let mut component_of_root = BTreeMap::new();
    let mut components: Vec<RawComponent> = Vec::new();
    for &(p, h, c) in &usable {
        let root = find(&mut parent, p);
        let k = *component_of_root.entry(root).or_insert_with(|| {
            components.push(Default::default());
            components.len() - 1
        });
        let (people, helpers, arcs) = &mut components[k];
        if people.last() != Some(&p) {
            people.push(p);
        }
        helpers.push(h);
        arcs.push((p, h, c));
    }

    let mut assigned = vec![Vec::new(); n_people];
    let mut stats = SolveStats {
        components: components.len(),
        optimal: true,
        ..SolveStats::default()
    };
    let inputs: Vec<(Vec<usize>, Vec<usize>, ComponentInput)> = components
        .into_iter()
        .map(|(people, mut helpers, arcs)| {
            helpers.sort_unstable();
            helpers.dedup();
            let local_person: BTreeMap<usize, usize> =
                people.iter().enumerate().map(|(i, &p)| (p, i)).collect();
            let local_helper: BTreeMap<usize, usize> =
                helpers.iter().enumerate().map(|(i, &h)| (h, i)).collect();
            let input = ComponentInput {
                need: people.iter().map(|&p| problem.people[p].need).collect(),
                weight: people.iter().map(|&p| problem.people[p].weight).collect(),
                capacity: helpers
                    .iter()
                    .map(|&h| problem.helpers[h].capacity)
                    .collect(),
                arcs: arcs
                    .iter()
                    .map(|&(p, h, c)| (local_person[&p], local_helper[&h], c))
                    .collect(),
            };
            (people, helpers, input)
        })
        .collect();
    // Components are independent (each has its own budgets), so they are solved in
    // parallel, largest first so that one big component does not start last; the outcomes
    // are then merged in component order, exactly as a sequential solve would.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(inputs[k].2.arcs.len()));
    let mut outcomes: Vec<_> = order
        .into_par_iter()
        .map(|k| {
            let input = &inputs[k].2;
            let outcome = solve_component(input, params.max_branch_nodes, params.max_search_work);
            (k, outcome)
        })
        .collect();
    outcomes.sort_by_key(|&(k, _)| k);
    for ((people, helpers, _), (_, outcome)) in inputs.iter().zip(outcomes) {
        stats.branched_components += usize::from(outcome.branched);
        stats.nodes += outcome.nodes;
        // A proven optimum is its own tightest bound; otherwise the relaxation's bound says
        // how much weight could be missing.
        stats.covered_weight_bound += if outcome.optimal {
            outcome
                .assigned
                .iter()
                .enumerate()
                .filter(|(_, hs)| !hs.is_empty())
                .map(|(lp, _)| problem.people[people[lp]].weight)
                .sum::<u64>()
        } else {
            outcome.weight_bound
        };
        stats.max_component_nodes = stats.max_component_nodes.max(outcome.nodes);
        if !outcome.optimal {
            stats.unproven_components += 1;
            stats.optimal = false;
        }
        for (lp, hs) in outcome.assigned.into_iter().enumerate() {
            assigned[people[lp]] = hs.into_iter().map(|lh| helpers[lh]).collect();
        }
    }
    let value = objective_with(problem, &pairs, &assigned);
    Ok(MatchingSolution {
        assigned,
        covered_weight: value.covered_weight,
        total_cost: value.total_cost,
        stats,
    })
}

/// Recomputes the objective of `solution.assigned` from the problem (ignoring the totals
/// stored in the solution). Covered means exactly `need` helpers; missing arcs count as free,
/// so run [`check`] to validate first.
pub fn objective(problem: &MatchingProblem, solution: &MatchingSolution) -> Objective {
    let mut pairs: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for a in &problem.arcs {
        pairs
            .entry((a.person, a.helper))
            .and_modify(|c| *c = (*c).min(a.cost))
            .or_insert(a.cost);
    }
    objective_with(problem, &pairs, &solution.assigned)
}

fn objective_with(
    problem: &MatchingProblem,
    pairs: &BTreeMap<(usize, usize), u64>,
    assigned: &[Vec<usize>],
) -> Objective {
    let mut value = Objective {
        covered_weight: 0,
        total_cost: 0,
    };
    for (p, hs) in assigned.iter().enumerate() {
        let Some(demand) = problem.people.get(p) else {
            continue;
        };
        if !hs.is_empty() && hs.len() == usize::from(demand.need) {
            value.covered_weight = value.covered_weight.saturating_add(demand.weight);
            for &h in hs {
                let cost = pairs.get(&(p, h)).copied().unwrap_or(0);
                value.total_cost = value.total_cost.saturating_add(cost);
            }
        }
    }
    value
}

/// Checks that `solution` is a feasible assignment for `problem` and that its stored totals
/// are right: one list per person, each empty or holding exactly `need` distinct helpers in
/// ascending order, every pair an arc, no helper above capacity.
pub fn check(problem: &MatchingProblem, solution: &MatchingSolution) -> Result<(), String> {
    if solution.assigned.len() != problem.people.len() {
        return Err(format!(
            "{} people in the solution, {} in the problem",
            solution.assigned.len(),
            problem.people.len()
        ));
    }
    let arcs: std::collections::BTreeSet<(usize, usize)> =
        problem.arcs.iter().map(|a| (a.person, a.helper)).collect();
    let mut load = vec![0u64; problem.helpers.len()];
    for (p, hs) in solution.assigned.iter().enumerate() {
        let need = usize::from(problem.people[p].need);
        if !hs.is_empty() && hs.len() != need {
            return Err(format!(
                "person {p} needs {need} helpers and got {}",
                hs.len()
            ));
        }
        if hs.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "person {p}: helpers {hs:?} not distinct and ascending"
            ));
        }
        for &h in hs {
            if h >= problem.helpers.len() {
                return Err(format!("person {p}: helper {h} does not exist"));
            }
            if !arcs.contains(&(p, h)) {
                return Err(format!("person {p}: no arc to helper {h}"));
            }
            load[h] += 1;
        }
    }
    for (h, &l) in load.iter().enumerate() {
        let cap = u64::from(problem.helpers[h].capacity);
        if l > cap {
            return Err(format!("helper {h} escorts {l} people, capacity {cap}"));
        }
    }
    let value = objective(problem, solution);
    if value.covered_weight != solution.covered_weight || value.total_cost != solution.total_cost {
        return Err(format!(
            "stored totals (weight {}, cost {}) differ from recomputed ({}, {})",
            solution.covered_weight, solution.total_cost, value.covered_weight, value.total_cost
        ));
    }
    Ok(())
}

/// Picks, for every covered person, one backup helper: joined by an arc, not one of the
/// person's own helpers, within each helper's backup capacity ([`BackupParams`]). It covers as
/// many people with a backup as possible, then minimises the backup arcs' total cost. Backup
/// duty does not consume escort capacity: a helper may escort one person and back up another.
///
/// Returns one entry per person; `None` for uncovered people and for covered people no
/// backup could be found for. This is an exact need-1 matching, solved by [`solve`] on a
/// derived problem (all weights 1), so it is always optimal and never branches.
pub fn assign_backups(
    problem: &MatchingProblem,
    solution: &MatchingSolution,
    params: &BackupParams,
) -> Result<Vec<Option<usize>>, MatchingError> {
    let pairs = validate(problem)?;
    if solution.assigned.len() != problem.people.len() {
        return Err(MatchingError::SolutionShape {
            expected: problem.people.len(),
            found: solution.assigned.len(),
        });
    }
    let helpers: Vec<Supply> = match &params.capacity {
        BackupCapacity::SameAsEscort => problem.helpers.clone(),
        BackupCapacity::Uniform(capacity) => vec![
            Supply {
                capacity: *capacity
            };
            problem.helpers.len()
        ],
        BackupCapacity::PerHelper(caps) => {
            if caps.len() != problem.helpers.len() {
                return Err(MatchingError::BackupCapacityShape {
                    expected: problem.helpers.len(),
                    found: caps.len(),
                });
            }
            caps.iter().map(|&capacity| Supply { capacity }).collect()
        }
    };
    let derived = MatchingProblem {
        people: vec![Demand { need: 1, weight: 1 }; problem.people.len()],
        helpers,
        arcs: pairs
            .iter()
            .filter(|&(&(p, h), _)| {
                let primaries = &solution.assigned[p];
                !primaries.is_empty() && !primaries.contains(&h)
            })
            .map(|(&(person, helper), &cost)| Arc {
                person,
                helper,
                cost,
            })
            .collect(),
    };
    let backups = solve(&derived, &MatchingParams::default())?;
    Ok(backups
        .assigned
        .into_iter()
        .map(|hs| hs.first().copied())
        .collect())
}
