//! Tests for the matching: hand-made cases with known optima, and comparisons against an
//! exhaustive reference on hundreds of small seeded random instances.

use super::*;

/// SplitMix64: a tiny, well-known PRNG, enough to vary test cases reproducibly.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn person(need: u8, weight: u64) -> Demand {
    Demand {
        need,
        weight,
        min_tagged: 0,
    }
}

fn tagged_person(need: u8, weight: u64, min_tagged: u8) -> Demand {
    Demand {
        need,
        weight,
        min_tagged,
    }
}

fn helper(capacity: u32) -> Supply {
    Supply { capacity }
}

fn arc(person: usize, helper: usize, cost: u64) -> Arc {
    Arc {
        person,
        helper,
        cost,
        tagged: false,
    }
}

fn tagged_arc(person: usize, helper: usize, cost: u64) -> Arc {
    Arc {
        tagged: true,
        ..arc(person, helper, cost)
    }
}

fn solve_ok(problem: &MatchingProblem) -> MatchingSolution {
    let solution = solve(problem, &MatchingParams::default()).expect("valid problem");
    check(problem, &solution).expect("feasible solution");
    solution
}

/// How random instances are drawn.
#[derive(Clone, Copy)]
struct Shape {
    max_people: u64,
    max_helpers: u64,
    need2_percent: u64,
    arc_percent: u64,
    max_weight: u64,
    /// Draw `min_tagged` uniformly in `0..=need` and tag about half the arcs.
    tags: bool,
}

fn random_problem(rng: &mut SplitMix64, shape: Shape) -> MatchingProblem {
    let n_people = rng.range(1, shape.max_people) as usize;
    let n_helpers = rng.range(1, shape.max_helpers) as usize;
    let people = (0..n_people)
        .map(|_| {
            let need = if rng.chance(shape.need2_percent) {
                2
            } else {
                1
            };
            let weight = rng.range(1, shape.max_weight);
            let min_tagged = if shape.tags {
                rng.range(0, u64::from(need)) as u8
            } else {
                0
            };
            tagged_person(need, weight, min_tagged)
        })
        .collect();
    let helpers = (0..n_helpers)
        .map(|_| helper(rng.range(0, 3) as u32))
        .collect();
    let mut arcs = Vec::new();
    for p in 0..n_people {
        for h in 0..n_helpers {
            if rng.chance(shape.arc_percent) {
                // Small costs make ties common, which exercises the tie handling.
                arcs.push(arc(p, h, rng.range(0, 12)));
                if rng.chance(5) {
                    arcs.push(arc(p, h, rng.range(0, 12)));
                }
                if shape.tags {
                    // Tag about half the pairs, sometimes on a duplicate arc only.
                    for a in arcs
                        .iter_mut()
                        .rev()
                        .take_while(|a| (a.person, a.helper) == (p, h))
                    {
                        a.tagged = rng.chance(50);
                    }
                }
            }
        }
    }
    // Arc order must not matter; shuffle to make sure.
    for i in (1..arcs.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        arcs.swap(i, j);
    }
    MatchingProblem {
        people,
        helpers,
        arcs,
    }
}

/// Cheapest cost per pair, as the module defines it.
fn pair_costs(problem: &MatchingProblem) -> BTreeMap<(usize, usize), u64> {
    let mut pairs = BTreeMap::new();
    for a in &problem.arcs {
        pairs
            .entry((a.person, a.helper))
            .and_modify(|c: &mut u64| *c = (*c).min(a.cost))
            .or_insert(a.cost);
    }
    pairs
}

/// Pairs with at least one tagged arc, as the module defines it.
fn tagged_pairs(problem: &MatchingProblem) -> std::collections::BTreeSet<(usize, usize)> {
    problem
        .arcs
        .iter()
        .filter(|a| a.tagged)
        .map(|a| (a.person, a.helper))
        .collect()
}

/// The obviously correct reference: tries every assignment (each person gets nothing or
/// one of the `need`-sized helper sets their arcs allow with at least `min_tagged` tagged
/// pairs) and keeps the best objective.
fn brute_force(problem: &MatchingProblem) -> Objective {
    let pairs = pair_costs(problem);
    let tagged = tagged_pairs(problem);
    let options: Vec<Vec<(Vec<usize>, u64)>> = problem
        .people
        .iter()
        .enumerate()
        .map(|(p, d)| {
            let hs: Vec<usize> = (0..problem.helpers.len())
                .filter(|&h| pairs.contains_key(&(p, h)))
                .collect();
            let mut sets: Vec<(Vec<usize>, u64)> = vec![];
            if d.need == 1 {
                for &h in &hs {
                    sets.push((vec![h], pairs[&(p, h)]));
                }
            } else {
                for (i, &a) in hs.iter().enumerate() {
                    for &b in &hs[i + 1..] {
                        sets.push((vec![a, b], pairs[&(p, a)] + pairs[&(p, b)]));
                    }
                }
            }
            sets.retain(|(set, _)| {
                set.iter().filter(|&&h| tagged.contains(&(p, h))).count()
                    >= usize::from(d.min_tagged)
            });
            sets
        })
        .collect();
    let mut load = vec![0u32; problem.helpers.len()];
    let mut best = Objective {
        covered_weight: 0,
        total_cost: 0,
    };
    fn go(
        p: usize,
        problem: &MatchingProblem,
        options: &[Vec<(Vec<usize>, u64)>],
        load: &mut [u32],
        current: Objective,
        best: &mut Objective,
    ) {
        if p == options.len() {
            if current.is_better_than(best) {
                *best = current;
            }
            return;
        }
        go(p + 1, problem, options, load, current, best);
        for (hs, cost) in &options[p] {
            if hs.iter().all(|&h| load[h] < problem.helpers[h].capacity) {
                hs.iter().for_each(|&h| load[h] += 1);
                let next = Objective {
                    covered_weight: current.covered_weight + problem.people[p].weight,
                    total_cost: current.total_cost + cost,
                };
                go(p + 1, problem, options, load, next, best);
                hs.iter().for_each(|&h| load[h] -= 1);
            }
        }
    }
    let empty = best;
    go(0, problem, &options, &mut load, empty, &mut best);
    best
}

fn compare_with_brute_force(seed: u64, cases: usize, shape: Shape) {
    let mut rng = SplitMix64(seed);
    for case in 0..cases {
        let problem = random_problem(&mut rng, shape);
        let solution = solve_ok(&problem);
        let expected = brute_force(&problem);
        assert_eq!(
            objective(&problem, &solution),
            expected,
            "case {case} (seed {seed}): {problem:?}"
        );
        assert!(solution.stats.optimal, "case {case}: budget ran out");
        assert!(solution.stats.covered_weight_bound >= expected.covered_weight);
    }
}

#[test]
fn matches_brute_force_on_mixed_needs() {
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 25,
        arc_percent: 55,
        max_weight: 5,
        tags: false,
    };
    compare_with_brute_force(1, 400, shape);
}

#[test]
fn matches_brute_force_when_need_two_dominates() {
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 85,
        arc_percent: 75,
        max_weight: 4,
        tags: false,
    };
    compare_with_brute_force(2, 400, shape);
}

#[test]
fn matches_brute_force_with_equal_weights_and_dense_arcs() {
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 50,
        arc_percent: 90,
        max_weight: 1,
        tags: false,
    };
    compare_with_brute_force(3, 300, shape);
}

#[test]
fn matches_brute_force_on_slightly_larger_cases() {
    let shape = Shape {
        max_people: 8,
        max_helpers: 5,
        need2_percent: 50,
        arc_percent: 50,
        max_weight: 6,
        tags: false,
    };
    compare_with_brute_force(4, 150, shape);
}

/// A need-2 person and two need-1 people want the same two single-capacity helpers; which
/// side wins depends on the weights, and the brute force says which.
#[test]
fn matches_brute_force_when_pairs_compete_with_singles() {
    let mut rng = SplitMix64(5);
    for case in 0..300 {
        let mut problem = MatchingProblem {
            people: vec![
                person(2, rng.range(1, 6)),
                person(1, rng.range(1, 4)),
                person(1, rng.range(1, 4)),
            ],
            helpers: vec![helper(1), helper(1)],
            arcs: vec![
                arc(0, 0, rng.range(0, 9)),
                arc(0, 1, rng.range(0, 9)),
                arc(1, 0, rng.range(0, 9)),
                arc(2, 1, rng.range(0, 9)),
            ],
        };
        // Sometimes add a third helper, more people and cross arcs to vary the contest.
        if rng.chance(60) {
            problem.helpers.push(helper(rng.range(0, 2) as u32));
            problem
                .people
                .push(person(rng.range(1, 2) as u8, rng.range(1, 5)));
            for p in 0..4 {
                for h in 0..3 {
                    if rng.chance(30) {
                        problem.arcs.push(arc(p, h, rng.range(0, 9)));
                    }
                }
            }
        }
        let solution = solve_ok(&problem);
        assert_eq!(
            objective(&problem, &solution),
            brute_force(&problem),
            "case {case}: {problem:?}"
        );
    }
}

/// The four shapes above with tags: `min_tagged` drawn in `0..=need`, about half the arcs
/// tagged (the brute force only accepts helper sets with enough tagged pairs).
#[test]
fn matches_brute_force_with_tagged_helpers() {
    let shapes = [
        (6, 4, 25, 55, 5),
        (6, 4, 85, 75, 4),
        (6, 4, 50, 90, 1),
        (8, 5, 50, 50, 6),
    ];
    for (seed, (max_people, max_helpers, need2_percent, arc_percent, max_weight)) in
        (11..).zip(shapes)
    {
        let shape = Shape {
            max_people,
            max_helpers,
            need2_percent,
            arc_percent,
            max_weight,
            tags: true,
        };
        compare_with_brute_force(seed, 300, shape);
    }
}

/// The tag constraint must bind: over the tagged random cases, solving with the tags
/// ignored covers more weight (or costs less) in a good share of them.
#[test]
fn tag_constraints_change_random_optima() {
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 60,
        arc_percent: 70,
        max_weight: 4,
        tags: true,
    };
    let mut rng = SplitMix64(15);
    let mut differ = 0;
    for _ in 0..200 {
        let problem = random_problem(&mut rng, shape);
        let mut free = problem.clone();
        free.people.iter_mut().for_each(|d| d.min_tagged = 0);
        let (with, without) = (solve_ok(&problem), solve_ok(&free));
        let (a, b) = (objective(&problem, &with), objective(&free, &without));
        assert!(
            !a.is_better_than(&b),
            "a constraint cannot improve: {problem:?}"
        );
        differ += usize::from(a != b);
    }
    assert!(differ >= 20, "tags changed only {differ} of 200 optima");
}

/// Hand cases for "at least one of the two helpers has a car".
#[test]
fn a_need_two_person_needs_a_tagged_helper() {
    let untagged = MatchingProblem {
        people: vec![tagged_person(2, 5, 1)],
        helpers: vec![helper(1), helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 2)],
    };
    let solution = solve_ok(&untagged);
    assert_eq!(solution.assigned, vec![Vec::<usize>::new()]);
    assert_eq!(solution.covered_weight, 0);

    // One tagged arc among the two is enough.
    let mut one = untagged.clone();
    one.arcs[1].tagged = true;
    let solution = solve_ok(&one);
    assert_eq!(solution.assigned, vec![vec![0, 1]]);
    assert_eq!((solution.covered_weight, solution.total_cost), (5, 3));

    // The pair is tagged when any of its arcs is, at the cheapest arc's cost.
    let mut duplicate = untagged.clone();
    duplicate.arcs.push(tagged_arc(0, 1, 50));
    let solution = solve_ok(&duplicate);
    assert_eq!(solution.assigned, vec![vec![0, 1]]);
    assert_eq!(solution.total_cost, 3);

    // A cheaper untagged pair loses to a dearer set that has a tagged helper.
    let mut choice = untagged.clone();
    choice.arcs.push(tagged_arc(0, 2, 9));
    let solution = solve_ok(&choice);
    assert_eq!(solution.assigned, vec![vec![0, 2]]);
    assert_eq!(solution.total_cost, 10);

    // min_tagged 2: both helpers must be tagged.
    let mut both = choice.clone();
    both.people[0].min_tagged = 2;
    assert_eq!(solve_ok(&both).covered_weight, 0);
    both.arcs[1].tagged = true;
    let solution = solve_ok(&both);
    assert_eq!(solution.assigned, vec![vec![1, 2]]);

    // Need-1 with min_tagged 1: only tagged arcs count.
    let single = MatchingProblem {
        people: vec![tagged_person(1, 2, 1), person(1, 1)],
        helpers: vec![helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), tagged_arc(0, 1, 7), arc(1, 1, 1)],
    };
    let solution = solve_ok(&single);
    assert_eq!(solution.assigned, vec![vec![1], vec![]]);
}

/// Two need-2 people each wanting one car, one car owner with capacity 1: the relaxation
/// must branch, and only one of them can be covered.
#[test]
fn one_car_for_two_bedridden_people_is_branched() {
    let problem = MatchingProblem {
        people: vec![tagged_person(2, 3, 1), tagged_person(2, 3, 1)],
        helpers: vec![helper(1), helper(1), helper(1)],
        arcs: vec![
            tagged_arc(0, 0, 1),
            arc(0, 1, 1),
            tagged_arc(1, 0, 1),
            arc(1, 2, 1),
        ],
    };
    let solution = solve_ok(&problem);
    assert_eq!(objective(&problem, &solution), brute_force(&problem));
    assert_eq!(solution.covered_weight, 3);
    assert!(solution.stats.optimal);
}

#[test]
fn check_rejects_too_few_tagged_helpers() {
    let problem = MatchingProblem {
        people: vec![tagged_person(2, 1, 1)],
        helpers: vec![helper(1), helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 1), tagged_arc(0, 2, 1)],
    };
    let good = solve_ok(&problem);
    assert_eq!(good.assigned, vec![vec![0, 2]]);
    let mut bad = good.clone();
    bad.assigned = vec![vec![0, 1]];
    // Same totals, so only the tag rule can reject it.
    assert_eq!(objective(&problem, &bad), objective(&problem, &good));
    let err = check(&problem, &bad).unwrap_err();
    assert!(err.contains("tagged"), "{err}");
}

#[test]
fn min_tagged_above_need_is_rejected() {
    let problem = MatchingProblem {
        people: vec![person(1, 1), tagged_person(1, 1, 2)],
        helpers: vec![helper(1)],
        arcs: vec![tagged_arc(1, 0, 1)],
    };
    let err = solve(&problem, &MatchingParams::default()).unwrap_err();
    assert_eq!(
        err,
        MatchingError::MinTaggedAboveNeed {
            person: 1,
            min_tagged: 2,
            need: 1
        }
    );
    assert!(err.to_string().contains("person 1"), "{err}");
}

#[test]
fn old_dumps_without_tags_still_deserialize() {
    let json = r#"{"people": [{"need": 2, "weight": 3}], "helpers": [{"capacity": 1}],
        "arcs": [{"person": 0, "helper": 0, "cost": 4}]}"#;
    let problem: MatchingProblem = serde_json::from_str(json).unwrap();
    assert_eq!(problem.people, vec![person(2, 3)]);
    assert_eq!(problem.arcs, vec![arc(0, 0, 4)]);
}

#[test]
fn weight_beats_cost_and_all_or_nothing_holds() {
    // One helper pair; the need-2 person (weight 3) beats two need-1 people of weight 1
    // each, even though their arcs are far cheaper.
    let problem = MatchingProblem {
        people: vec![person(2, 3), person(1, 1), person(1, 1)],
        helpers: vec![helper(1), helper(1)],
        arcs: vec![arc(0, 0, 100), arc(0, 1, 100), arc(1, 0, 1), arc(2, 1, 1)],
    };
    let solution = solve_ok(&problem);
    assert_eq!(solution.assigned, vec![vec![0, 1], vec![], vec![]]);
    assert_eq!((solution.covered_weight, solution.total_cost), (3, 200));

    // With weight 2 the two singles win on cost at equal weight.
    let mut cheaper = problem.clone();
    cheaper.people[0].weight = 2;
    let solution = solve_ok(&cheaper);
    assert_eq!(solution.assigned, vec![vec![], vec![0], vec![1]]);
    assert_eq!((solution.covered_weight, solution.total_cost), (2, 2));
}

#[test]
fn a_person_needing_two_gets_none_rather_than_one() {
    let problem = MatchingProblem {
        people: vec![person(2, 5)],
        helpers: vec![helper(3), helper(0)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 1)],
    };
    let solution = solve_ok(&problem);
    assert_eq!(solution.assigned, vec![Vec::<usize>::new()]);
    assert_eq!(solution.covered_weight, 0);
}

/// The relaxation alone gives two need-2 people one unit each; only branching finds that
/// exactly one of them can be covered.
#[test]
fn fractional_relaxation_is_branched_to_an_integral_optimum() {
    let problem = MatchingProblem {
        people: vec![person(2, 4), person(2, 4), person(1, 1)],
        helpers: vec![helper(1), helper(1), helper(1)],
        arcs: vec![
            arc(0, 0, 1),
            arc(0, 1, 5),
            arc(1, 1, 1),
            arc(1, 2, 5),
            arc(2, 0, 9),
        ],
    };
    let solution = solve_ok(&problem);
    assert_eq!(objective(&problem, &solution), brute_force(&problem));
    assert_eq!(solution.covered_weight, 5);
    assert!(solution.stats.optimal);
    assert_eq!(solution.stats.branched_components, 1);
}

#[test]
fn greedy_cheapest_first_is_not_optimal_here() {
    // Greedy gives helper 0 to person 0 (cost 1) and leaves person 1 without anyone.
    let problem = MatchingProblem {
        people: vec![person(1, 1), person(1, 1)],
        helpers: vec![helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 2), arc(1, 0, 3)],
    };
    let solution = solve_ok(&problem);
    assert_eq!(solution.assigned, vec![vec![1], vec![0]]);
    assert_eq!((solution.covered_weight, solution.total_cost), (2, 5));
    assert_eq!(solution.stats.branched_components, 0);
}

#[test]
fn identical_input_gives_identical_output_whatever_the_arc_order() {
    let shape = Shape {
        max_people: 12,
        max_helpers: 8,
        need2_percent: 40,
        arc_percent: 60,
        max_weight: 2,
        tags: false,
    };
    let mut rng = SplitMix64(6);
    for _ in 0..50 {
        let problem = random_problem(&mut rng, shape);
        let first = solve_ok(&problem);
        assert_eq!(first, solve_ok(&problem));
        let mut reversed = problem.clone();
        reversed.arcs.reverse();
        // Reversing changes which duplicate comes first but not the cheapest cost per pair.
        assert_eq!(first, solve_ok(&reversed));
    }
}

/// Places `b` after `a`, with `b`'s people and helpers renumbered after `a`'s.
fn side_by_side(a: &MatchingProblem, b: &MatchingProblem) -> MatchingProblem {
    let (dp, dh) = (a.people.len(), a.helpers.len());
    let mut joined = a.clone();
    joined.people.extend(&b.people);
    joined.helpers.extend(&b.helpers);
    joined.arcs.extend(
        b.arcs
            .iter()
            .map(|x| arc(x.person + dp, x.helper + dh, x.cost)),
    );
    joined
}

#[test]
fn disjoint_problems_solve_as_if_alone() {
    let shape = Shape {
        max_people: 10,
        max_helpers: 6,
        need2_percent: 40,
        arc_percent: 50,
        max_weight: 3,
        tags: false,
    };
    let mut rng = SplitMix64(7);
    for _ in 0..50 {
        let a = random_problem(&mut rng, shape);
        let b = random_problem(&mut rng, shape);
        let (sa, sb) = (solve_ok(&a), solve_ok(&b));
        let joined = side_by_side(&a, &b);
        let sj = solve_ok(&joined);
        let mut expected = sa.assigned.clone();
        expected.extend(
            sb.assigned
                .iter()
                .map(|hs| hs.iter().map(|h| h + a.helpers.len()).collect()),
        );
        assert_eq!(sj.assigned, expected);
        assert_eq!(sj.covered_weight, sa.covered_weight + sb.covered_weight);
        assert_eq!(sj.total_cost, sa.total_cost + sb.total_cost);
        assert_eq!(
            sj.stats.components,
            sa.stats.components + sb.stats.components
        );
    }
}

#[test]
fn an_exhausted_budget_is_reported_and_still_feasible() {
    let problem = MatchingProblem {
        people: vec![person(2, 4), person(2, 4), person(1, 1)],
        helpers: vec![helper(1), helper(1), helper(1)],
        arcs: vec![
            arc(0, 0, 1),
            arc(0, 1, 5),
            arc(1, 1, 1),
            arc(1, 2, 5),
            arc(2, 0, 9),
        ],
    };
    for params in [
        MatchingParams {
            max_branch_nodes: 1,
            ..MatchingParams::default()
        },
        MatchingParams {
            max_search_work: 1,
            ..MatchingParams::default()
        },
    ] {
        let solution = solve(&problem, &params).unwrap();
        check(&problem, &solution).unwrap();
        assert!(!solution.stats.optimal);
        assert_eq!(solution.stats.unproven_components, 1);
        assert_eq!(solution.stats.nodes, 1);
        // Relaxed: one need-2 person gets both units, the other one unit (12 half-weights);
        // rounding keeps the first only. The optimum (5) lies in between.
        assert_eq!(solution.covered_weight, 4);
        assert_eq!(solution.stats.covered_weight_bound, 6);
    }
}

#[test]
fn invalid_problems_are_rejected() {
    let base = MatchingProblem {
        people: vec![person(1, 1)],
        helpers: vec![helper(1)],
        arcs: vec![arc(0, 0, 1)],
    };
    let params = MatchingParams::default();
    let mut p = base.clone();
    p.arcs.push(arc(1, 0, 1));
    assert!(matches!(
        solve(&p, &params),
        Err(MatchingError::PersonOutOfRange { arc: 1, .. })
    ));
    let mut p = base.clone();
    p.arcs.push(arc(0, 3, 1));
    assert!(matches!(
        solve(&p, &params),
        Err(MatchingError::HelperOutOfRange { helper: 3, .. })
    ));
    let mut p = base.clone();
    p.people[0].need = 3;
    assert!(matches!(
        solve(&p, &params),
        Err(MatchingError::UnsupportedNeed { need: 3, .. })
    ));
    let mut p = base.clone();
    p.people.push(person(1, u64::MAX));
    assert_eq!(solve(&p, &params), Err(MatchingError::WeightOverflow));
    let mut p = base;
    p.people.push(person(1, 1));
    p.arcs.push(arc(1, 0, u64::MAX));
    assert_eq!(solve(&p, &params), Err(MatchingError::CostOverflow));
}

#[test]
fn huge_weights_and_costs_do_not_overflow() {
    let big = u64::MAX / 4;
    let problem = MatchingProblem {
        people: vec![person(1, big), person(2, big)],
        helpers: vec![helper(2), helper(1)],
        arcs: vec![arc(0, 0, big), arc(1, 0, big / 2), arc(1, 1, big / 2)],
    };
    let solution = solve_ok(&problem);
    assert_eq!(objective(&problem, &solution), brute_force(&problem));
    assert_eq!(solution.covered_weight, 2 * big);
}

#[test]
fn check_catches_broken_solutions() {
    let problem = MatchingProblem {
        people: vec![person(2, 1), person(1, 1)],
        helpers: vec![helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 1), arc(1, 0, 1)],
    };
    let good = solve_ok(&problem);
    let mut bad = good.clone();
    bad.assigned = vec![vec![0], vec![]];
    assert!(check(&problem, &bad).is_err(), "half-covered pair");
    bad.assigned = vec![vec![0, 0], vec![]];
    assert!(check(&problem, &bad).is_err(), "repeated helper");
    bad.assigned = vec![vec![0, 1], vec![0]];
    assert!(check(&problem, &bad).is_err(), "over capacity");
    bad.assigned = vec![vec![], vec![1]];
    assert!(check(&problem, &bad).is_err(), "no such arc");
    bad = good;
    bad.total_cost += 1;
    assert!(check(&problem, &bad).is_err(), "wrong total");
}

/// Reference for backups: every way of giving each covered person nothing or one eligible
/// non-primary helper; best = most backups, then least cost.
fn brute_force_backups(
    problem: &MatchingProblem,
    solution: &MatchingSolution,
    capacity: &[u32],
) -> (usize, u64) {
    let pairs = pair_costs(problem);
    let options: Vec<Vec<(usize, u64)>> = solution
        .assigned
        .iter()
        .enumerate()
        .map(|(p, primaries)| {
            if primaries.is_empty() {
                return vec![];
            }
            pairs
                .range((p, 0)..(p + 1, 0))
                .filter(|((_, h), _)| !primaries.contains(h))
                .map(|(&(_, h), &c)| (h, c))
                .collect()
        })
        .collect();
    fn go(
        p: usize,
        options: &[Vec<(usize, u64)>],
        load: &mut [u32],
        capacity: &[u32],
        current: (usize, u64),
        best: &mut (usize, u64),
    ) {
        if p == options.len() {
            if (current.0, std::cmp::Reverse(current.1)) > (best.0, std::cmp::Reverse(best.1)) {
                *best = current;
            }
            return;
        }
        go(p + 1, options, load, capacity, current, best);
        for &(h, c) in &options[p] {
            if load[h] < capacity[h] {
                load[h] += 1;
                go(
                    p + 1,
                    options,
                    load,
                    capacity,
                    (current.0 + 1, current.1 + c),
                    best,
                );
                load[h] -= 1;
            }
        }
    }
    let mut best = (0, 0);
    go(
        0,
        &options,
        &mut vec![0; capacity.len()],
        capacity,
        (0, 0),
        &mut best,
    );
    best
}

#[test]
fn backups_match_brute_force() {
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 30,
        arc_percent: 70,
        max_weight: 3,
        tags: false,
    };
    let mut rng = SplitMix64(8);
    for case in 0..300 {
        let problem = random_problem(&mut rng, shape);
        let solution = solve_ok(&problem);
        let (params, capacity): (BackupParams, Vec<u32>) = if rng.chance(50) {
            let caps = problem.helpers.iter().map(|h| h.capacity).collect();
            (BackupParams::default(), caps)
        } else {
            let caps: Vec<u32> = problem
                .helpers
                .iter()
                .map(|_| rng.range(0, 2) as u32)
                .collect();
            let params = BackupParams {
                capacity: BackupCapacity::PerHelper(caps.clone()),
            };
            (params, caps)
        };
        let backups = assign_backups(&problem, &solution, &params).unwrap();
        let pairs = pair_costs(&problem);
        let mut load = vec![0u32; problem.helpers.len()];
        let mut found = (0usize, 0u64);
        for (p, b) in backups.iter().enumerate() {
            if let Some(h) = *b {
                assert!(!solution.assigned[p].is_empty(), "case {case}: uncovered");
                assert!(!solution.assigned[p].contains(&h), "case {case}: primary");
                load[h] += 1;
                found.0 += 1;
                found.1 += pairs[&(p, h)];
            }
        }
        assert!(
            load.iter().zip(&capacity).all(|(l, c)| l <= c),
            "case {case}"
        );
        assert_eq!(
            found,
            brute_force_backups(&problem, &solution, &capacity),
            "case {case}: {problem:?}"
        );
    }
}

#[test]
fn backup_capacity_shape_is_checked() {
    let problem = MatchingProblem {
        people: vec![person(1, 1)],
        helpers: vec![helper(1), helper(1)],
        arcs: vec![arc(0, 0, 1), arc(0, 1, 2)],
    };
    let solution = solve_ok(&problem);
    let params = BackupParams {
        capacity: BackupCapacity::PerHelper(vec![1]),
    };
    assert_eq!(
        assign_backups(&problem, &solution, &params),
        Err(MatchingError::BackupCapacityShape {
            expected: 2,
            found: 1
        })
    );
    let backups = assign_backups(&problem, &solution, &BackupParams::default()).unwrap();
    assert_eq!(backups, vec![Some(1)]);
}

#[test]
fn problems_and_solutions_round_trip_through_json() {
    let mut rng = SplitMix64(9);
    let shape = Shape {
        max_people: 6,
        max_helpers: 4,
        need2_percent: 30,
        arc_percent: 60,
        max_weight: 3,
        tags: true,
    };
    let problem = random_problem(&mut rng, shape);
    assert!(problem.people.iter().any(|d| d.min_tagged > 0));
    assert!(problem.arcs.iter().any(|a| a.tagged));
    let solution = solve_ok(&problem);
    let json = serde_json::to_string(&problem).unwrap();
    assert_eq!(
        serde_json::from_str::<MatchingProblem>(&json).unwrap(),
        problem
    );
    let json = serde_json::to_string(&solution).unwrap();
    assert_eq!(
        serde_json::from_str::<MatchingSolution>(&json).unwrap(),
        solution
    );
    let params: MatchingParams = serde_json::from_str("{}").unwrap();
    assert_eq!(params, MatchingParams::default());
}

/// One random component input (arcs deduplicated and sorted by `(person, helper)`, as
/// `solve` hands them over), possibly disconnected, which the component solver allows.
fn random_component(rng: &mut SplitMix64, shape: Shape) -> component::ComponentInput {
    let problem = random_problem(rng, shape);
    let tagged = tagged_pairs(&problem);
    let pairs = pair_costs(&problem);
    component::ComponentInput {
        need: problem.people.iter().map(|d| d.need).collect(),
        min_tagged: problem.people.iter().map(|d| d.min_tagged).collect(),
        weight: problem.people.iter().map(|d| d.weight).collect(),
        capacity: problem.helpers.iter().map(|h| h.capacity).collect(),
        arcs: pairs.iter().map(|(&(p, h), &c)| (p, h, c)).collect(),
        tagged: pairs.keys().map(|k| tagged.contains(k)).collect(),
    }
}

/// The objective of a component outcome, checking feasibility on the way.
fn component_objective(input: &component::ComponentInput, assigned: &[Vec<usize>]) -> Objective {
    let cost: BTreeMap<(usize, usize), u64> =
        input.arcs.iter().map(|&(p, h, c)| ((p, h), c)).collect();
    let tagged: BTreeMap<(usize, usize), bool> = input
        .arcs
        .iter()
        .zip(&input.tagged)
        .map(|(&(p, h, _), &t)| ((p, h), t))
        .collect();
    let mut load = vec![0u32; input.capacity.len()];
    let mut value = Objective {
        covered_weight: 0,
        total_cost: 0,
    };
    for (p, hs) in assigned.iter().enumerate() {
        assert!(hs.is_empty() || hs.len() == usize::from(input.need[p]));
        if !hs.is_empty() {
            value.covered_weight += input.weight[p];
            let t = hs.iter().filter(|&&h| tagged[&(p, h)]).count();
            assert!(t >= usize::from(input.min_tagged[p]), "too few tagged");
        }
        for &h in hs {
            load[h] += 1;
            value.total_cost += cost[&(p, h)];
        }
    }
    assert!(load.iter().zip(&input.capacity).all(|(l, c)| l <= c));
    value
}

/// Warm-started children (edit the parent's flow, re-optimise) reach the same relaxed optima
/// as children solved from scratch, so the search ends at the same objective; checked on
/// instances too big for the brute force, where the trees are deep.
#[test]
fn warm_started_search_matches_search_from_scratch() {
    use component::{ChildSolve, solve_component_with};
    let shapes = [
        Shape {
            max_people: 30,
            max_helpers: 16,
            need2_percent: 50,
            arc_percent: 20,
            max_weight: 5,
            tags: false,
        },
        Shape {
            max_people: 40,
            max_helpers: 30,
            need2_percent: 30,
            arc_percent: 12,
            max_weight: 2,
            tags: false,
        },
        Shape {
            max_people: 30,
            max_helpers: 16,
            need2_percent: 50,
            arc_percent: 20,
            max_weight: 5,
            tags: true,
        },
        Shape {
            max_people: 40,
            max_helpers: 30,
            need2_percent: 60,
            arc_percent: 15,
            max_weight: 2,
            tags: true,
        },
    ];
    let mut rng = SplitMix64(10);
    let (mut branched, mut cases) = (0, 0);
    for shape in shapes {
        for case in 0..150 {
            let input = random_component(&mut rng, shape);
            let warm = solve_component_with(&input, u64::MAX, u64::MAX, ChildSolve::WarmStart);
            let scratch = solve_component_with(&input, u64::MAX, u64::MAX, ChildSolve::FromScratch);
            assert!(warm.optimal && scratch.optimal);
            assert_eq!(
                component_objective(&input, &warm.assigned),
                component_objective(&input, &scratch.assigned),
                "case {case}: {input:?}"
            );
            assert_eq!(warm.weight_bound, scratch.weight_bound, "case {case}");
            cases += 1;
            branched += usize::from(warm.branched);
        }
    }
    // The comparison means little unless many cases branch.
    assert!(
        branched * 2 > cases,
        "only {branched} of {cases} cases branched"
    );
}
