//! The abstract choice: which new helpers (candidates, each usable several times) cover the
//! most priority weight, with the planner's matching as the value of a set.
//!
//! The value of a multiset of chosen candidates is the helper matching's covered weight
//! ([`crate::plan::matching::solve`], exact): each chosen helper takes at most its capacity,
//! a person needing two helpers counts only when two chosen helpers take them, a person
//! going by car only with a car among them, and a helper takes at most one person who needs
//! two (such a person is the first stop of both helpers' rounds, as the planner schedules).
//!
//! **Guarantee.** When every person needs one helper, the value of a set of helpers is the
//! largest weight of people matchable to them: a weighted transversal (OXS) valuation, monotone
//! and submodular; a helper of capacity `c` is `c` copies taken together, which keeps it so.
//! Greedy by marginal gain then gets at least 1 − 1/e of the best `N` helpers (Nemhauser,
//! Wolsey and Fisher 1978). People who need two helpers break submodularity: one helper gains
//! nothing, two gain the person (a complementarity). With only such people, each reachable by
//! two candidates, choosing `N` helpers to cover the most people is the densest-`N`-subgraph
//! problem, for which no constant-factor approximation is known; so no bound is claimed then.
//! Greedy here also tries pairs (the best `pair_candidates` candidates two at a time) and takes
//! the step with the best gain per helper, so a pair that alone covers someone is found.
//! `tests` compares it with the optimum by brute force on seeded random districts.

use crate::plan::matching::{self, Arc, Demand, MatchingParams, MatchingProblem, Supply};

/// A kind of helper at a place.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub capacity: u32,
    /// Brings a car (counts for `Demand::min_tagged`).
    pub car: bool,
    /// People (indices into `Instance::people`) this helper could take, with the cost
    /// (door-to-door seconds).
    pub serves: Vec<(usize, u64)>,
    /// People served whose needs this kind of helper fits best (a wheelchair user and a
    /// trained helper): decides between equal gains.
    pub fits: Vec<usize>,
}

/// People to cover and candidate helpers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Instance {
    pub people: Vec<Demand>,
    pub candidates: Vec<Candidate>,
}

/// One greedy step: one helper, or two to be recruited together.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Candidate indices (one, or a pair).
    pub picks: Vec<usize>,
    /// Weight newly covered by the step.
    pub gain: u64,
    /// People covered after the step that were not before (a step may also move others).
    pub newly: Vec<usize>,
}

/// The covered weight of helpers `chosen` (candidate indices, repeats allowed) and who is
/// covered, by the exact matching.
pub fn value(inst: &Instance, chosen: &[usize]) -> (u64, Vec<bool>) {
    let mut problem = MatchingProblem {
        people: inst.people.clone(),
        helpers: Vec::with_capacity(2 * chosen.len()),
        arcs: Vec::new(),
    };
    // A person who needs two neighbours is the first stop of both (the planner's round
    // rule), so a helper takes at most one such person: each helper is a first-stop slot
    // (capacity 1, anyone) and a rest (capacity - 1, people who need one helper).
    for &c in chosen {
        let cand = &inst.candidates[c];
        let first = problem.helpers.len();
        problem.helpers.push(Supply { capacity: 1 });
        problem.helpers.push(Supply {
            capacity: cand.capacity.saturating_sub(1),
        });
        for &(person, cost) in &cand.serves {
            for slot in [first, first + 1] {
                if slot == first + 1 && inst.people[person].need >= 2 {
                    continue;
                }
                problem.arcs.push(Arc {
                    person,
                    helper: slot,
                    cost,
                    tagged: cand.car,
                });
            }
        }
    }
    if problem.arcs.is_empty() {
        return (0, vec![false; inst.people.len()]);
    }
    match matching::solve(&problem, &MatchingParams::default()) {
        Ok(s) => (
            s.covered_weight,
            s.assigned.iter().map(|a| !a.is_empty()).collect(),
        ),
        // Only malformed input fails (needs outside 1..=2); such people are not coverable.
        Err(_) => (0, vec![false; inst.people.len()]),
    }
}

/// A step tried: gain, helpers, fit, picks, who is covered after it.
type Best = (u64, usize, usize, Vec<usize>, Vec<bool>);

/// Greedy on marginal gain per helper, up to `count` helpers; stops when nothing gains.
pub fn greedy(inst: &Instance, count: usize, pair_candidates: usize) -> Vec<Step> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut steps = Vec::new();
    let (mut base, mut covered) = value(inst, &chosen);
    while chosen.len() < count {
        // (gain, helpers, fit, picks): best by gain per helper, then fewer helpers, better
        // fit, lower candidate indices.
        let mut best: Option<Best> = None;
        let consider = |picks: Vec<usize>, best: &mut Option<_>| {
            let mut trial = chosen.clone();
            trial.extend(&picks);
            let (v, cov) = value(inst, &trial);
            let gain = v.saturating_sub(base);
            if gain == 0 {
                return;
            }
            let fit = picks
                .iter()
                .flat_map(|c| inst.candidates[*c].fits.iter())
                .filter(|p| cov[**p] && !covered[**p])
                .count();
            let better = match best {
                None => true,
                Some((bg, bk, bf, _, _)) => {
                    let (l, r) = (
                        gain as u128 * *bk as u128,
                        *bg as u128 * picks.len() as u128,
                    );
                    l > r
                        || (l == r
                            && (picks.len(), std::cmp::Reverse(fit))
                                < (*bk, std::cmp::Reverse(*bf)))
                }
            };
            if better {
                *best = Some((gain, picks.len(), fit, picks, cov));
            }
        };
        for c in 0..inst.candidates.len() {
            consider(vec![c], &mut best);
        }
        if count - chosen.len() >= 2 {
            // Candidates that serve someone still uncovered who needs two, most weight first.
            let mut pool: Vec<(u64, usize)> = inst
                .candidates
                .iter()
                .enumerate()
                .filter_map(|(c, cand)| {
                    let w: u64 = cand
                        .serves
                        .iter()
                        .filter(|(p, _)| !covered[*p] && inst.people[*p].need >= 2)
                        .map(|(p, _)| inst.people[*p].weight)
                        .sum();
                    (w > 0).then_some((w, c))
                })
                .collect();
            pool.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            pool.truncate(pair_candidates);
            let mut pool: Vec<usize> = pool.into_iter().map(|p| p.1).collect();
            pool.sort_unstable();
            for (i, &a) in pool.iter().enumerate() {
                for &b in &pool[i..] {
                    consider(vec![a, b], &mut best);
                }
            }
        }
        let Some((gain, _, _, picks, cov)) = best else {
            break;
        };
        let newly = (0..inst.people.len())
            .filter(|p| cov[*p] && !covered[*p])
            .collect();
        chosen.extend(&picks);
        base += gain;
        covered = cov;
        steps.push(Step { picks, gain, newly });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The best covered weight of any multiset of at most `count` candidates, by brute force.
    fn optimum(inst: &Instance, count: usize) -> u64 {
        fn go(inst: &Instance, from: usize, left: usize, chosen: &mut Vec<usize>, best: &mut u64) {
            *best = (*best).max(value(inst, chosen).0);
            if left == 0 {
                return;
            }
            for c in from..inst.candidates.len() {
                chosen.push(c);
                go(inst, c, left - 1, chosen, best);
                chosen.pop();
            }
        }
        let mut best = 0;
        go(inst, 0, count, &mut Vec::new(), &mut best);
        best
    }

    /// Covered weight of a set checked without the matching: try every assignment of
    /// people to the chosen helpers (tiny cases only), with the rules written out.
    fn value_by_hand(inst: &Instance, chosen: &[usize]) -> u64 {
        let n = inst.people.len();
        // Each person picks a subset of helpers (bitmask) of size need, or none.
        let h = chosen.len();
        let options: Vec<Vec<u32>> = (0..n)
            .map(|p| {
                let d = inst.people[p];
                let mut o = vec![0u32];
                for mask in 1u32..(1 << h) {
                    if mask.count_ones() != d.need as u32 {
                        continue;
                    }
                    let ok = (0..h).filter(|i| mask & (1 << i) != 0).all(|i| {
                        inst.candidates[chosen[i]]
                            .serves
                            .iter()
                            .any(|(q, _)| *q == p)
                    });
                    let cars = (0..h)
                        .filter(|i| mask & (1 << i) != 0 && inst.candidates[chosen[*i]].car)
                        .count();
                    if ok && cars >= d.min_tagged as usize {
                        o.push(mask);
                    }
                }
                o
            })
            .collect();
        #[allow(clippy::too_many_arguments)]
        fn rec(
            inst: &Instance,
            chosen: &[usize],
            options: &[Vec<u32>],
            p: usize,
            load: &mut Vec<u32>,
            pairs_of: &mut Vec<u32>,
            w: u64,
            best: &mut u64,
        ) {
            if p == options.len() {
                *best = (*best).max(w);
                return;
            }
            for &mask in &options[p] {
                // Capacity, and at most one person needing two per helper (first stops).
                let two = inst.people[p].need >= 2;
                let fits = (0..chosen.len()).all(|i| {
                    mask & (1 << i) == 0
                        || (load[i] < inst.candidates[chosen[i]].capacity
                            && !(two && pairs_of[i] > 0))
                });
                if !fits {
                    continue;
                }
                for (i, l) in load.iter_mut().enumerate() {
                    *l += (mask >> i) & 1;
                    if two {
                        pairs_of[i] += (mask >> i) & 1;
                    }
                }
                let add = if mask != 0 { inst.people[p].weight } else { 0 };
                rec(inst, chosen, options, p + 1, load, pairs_of, w + add, best);
                for (i, l) in load.iter_mut().enumerate() {
                    *l -= (mask >> i) & 1;
                    if two {
                        pairs_of[i] -= (mask >> i) & 1;
                    }
                }
            }
        }
        let mut best = 0;
        rec(
            inst,
            chosen,
            &options,
            0,
            &mut vec![0; h],
            &mut vec![0; h],
            0,
            &mut best,
        );
        best
    }

    /// A small random district: people (some needing two, some a car) and candidates.
    fn random_instance(rng: &mut Rng, pairs: bool) -> Instance {
        let people = (0..2 + rng.below(5))
            .map(|_| {
                let need = if pairs && rng.chance(0.4) { 2 } else { 1 };
                Demand {
                    need,
                    weight: 1 + rng.below(30) as u64,
                    min_tagged: u8::from(pairs && rng.chance(0.2)),
                }
            })
            .collect::<Vec<_>>();
        let candidates = (0..2 + rng.below(3))
            .map(|_| {
                let mut serves: Vec<(usize, u64)> = Vec::new();
                for p in 0..people.len() {
                    if rng.chance(0.5) {
                        serves.push((p, rng.below(900) as u64));
                    }
                }
                Candidate {
                    capacity: 1 + rng.below(2) as u32,
                    car: rng.chance(0.4),
                    serves,
                    fits: vec![],
                }
            })
            .collect();
        Instance { people, candidates }
    }

    #[test]
    fn the_value_of_a_set_is_the_best_assignment_found_by_hand() {
        let mut rng = Rng::new(11);
        for case in 0..300 {
            let inst = random_instance(&mut rng, true);
            let k = 1 + rng.below(3);
            let chosen: Vec<usize> = (0..k).map(|_| rng.below(inst.candidates.len())).collect();
            assert_eq!(
                value(&inst, &chosen).0,
                value_by_hand(&inst, &chosen),
                "case {case}: {inst:?} {chosen:?}"
            );
        }
    }

    #[test]
    fn greedy_gets_at_least_one_minus_one_over_e_when_everyone_needs_one_helper() {
        let mut rng = Rng::new(7);
        let (mut equal, mut cases) = (0, 0);
        for case in 0..300 {
            let inst = random_instance(&mut rng, false);
            let n = 1 + rng.below(3);
            let steps = greedy(&inst, n, 24);
            let got: u64 = steps.iter().map(|s| s.gain).sum();
            let used: usize = steps.iter().map(|s| s.picks.len()).sum();
            assert!(used <= n);
            let all: Vec<usize> = steps.iter().flat_map(|s| s.picks.clone()).collect();
            assert_eq!(value(&inst, &all).0, got, "case {case}: gains add up");
            let opt = optimum(&inst, n);
            assert!(got <= opt);
            assert!(
                got as f64 >= (1.0 - (-1.0f64).exp()) * opt as f64 - 1e-9,
                "case {case}: greedy {got} < (1-1/e) x optimum {opt}: {inst:?}"
            );
            cases += 1;
            equal += usize::from(got == opt);
        }
        assert!(
            equal * 10 >= cases * 9,
            "greedy optimal in {equal} of {cases}"
        );
    }

    #[test]
    fn greedy_with_pairs_finds_something_whenever_something_exists_and_is_mostly_optimal() {
        let mut rng = Rng::new(8);
        let (mut equal, mut cases, mut worst) = (0, 0, 1.0f64);
        for case in 0..300 {
            let inst = random_instance(&mut rng, true);
            let n = 1 + rng.below(4);
            let steps = greedy(&inst, n, 24);
            let got: u64 = steps.iter().map(|s| s.gain).sum();
            let all: Vec<usize> = steps.iter().flat_map(|s| s.picks.clone()).collect();
            assert!(all.len() <= n);
            assert_eq!(value(&inst, &all).0, got, "case {case}: gains add up");
            let opt = optimum(&inst, n);
            assert!(got <= opt);
            // A first step exists whenever one or two helpers can cover someone.
            if optimum(&inst, n.min(2)) > 0 {
                assert!(got > 0, "case {case}: {inst:?}");
            }
            if opt > 0 {
                worst = worst.min(got as f64 / opt as f64);
            }
            cases += 1;
            equal += usize::from(got == opt);
        }
        assert!(
            equal * 4 >= cases * 3,
            "greedy optimal in {equal} of {cases} (worst ratio {worst:.2})"
        );
    }

    #[test]
    fn two_people_needing_two_helpers_get_a_pair_in_one_step() {
        let inst = Instance {
            people: vec![
                Demand {
                    need: 2,
                    weight: 10,
                    min_tagged: 0,
                },
                Demand {
                    need: 2,
                    weight: 10,
                    min_tagged: 0,
                },
            ],
            candidates: vec![Candidate {
                capacity: 2,
                car: false,
                serves: vec![(0, 60), (1, 60)],
                fits: vec![],
            }],
        };
        // A helper is the first stop of at most one of them: two pairs, not one.
        let steps = greedy(&inst, 4, 24);
        assert_eq!(steps.len(), 2);
        for s in &steps {
            assert_eq!(s.picks, vec![0, 0]);
            assert_eq!(s.gain, 10);
        }
        assert_eq!(steps[0].newly, vec![0]);
        assert_eq!(steps[1].newly, vec![1]);
    }
}
