//! Monte Carlo over runs of a drill, per person and per district, and the single points of
//! failure.
//!
//! Components are simulated in parallel (rayon), each for every run in order; results are
//! gathered in component order and every sum is taken in a fixed order, so the report is
//! the same, byte for byte, whatever the number of threads.
//!
//! Single points of failure: the helpers who reached someone most often in the runs (at most
//! `drill.spof_helpers`), each made absent in every run; and the roads most used by the
//! walks and escorts that went as planned (at most `drill.spof_roads`), each closed from the
//! start. Only the components a helper or road touches are re-run, for the first
//! `drill.spof_runs` runs with the same draws. The loss is the expected number of people less
//! safe (the sum of the drops of `p_safe` over those runs).

use super::sim::{Cause, Outcome, OutcomeKind, Variant, Workspace, run_seed};
use super::{Drill, Leg, Task};
use crate::network::{Closures, SearchTree};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One person over all runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonStats {
    pub person: String,
    pub district: String,
    /// `leave`, `upstairs`, `stay_home`, `facility`.
    pub evacuation_need: String,
    /// Share of runs ending `safe`, `upstairs_done` or `stayed_home`.
    pub p_safe: f64,
    /// Arrival at the destination (or upstairs), minutes after the alert, over the runs that
    /// got there; null when none did or nobody moves.
    pub median_arrival_min: Option<f64>,
    pub p90_arrival_min: Option<f64>,
    /// The most frequent failure, `late: road R12`, `late: water_at_home`,
    /// `not_reached: helpers_absent`, …; null when never failing.
    pub main_failure: Option<String>,
    /// Runs per outcome code.
    pub outcomes: BTreeMap<String, u32>,
}

/// People of a district (or of the whole drill).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DistrictStats {
    pub people: usize,
    /// People who must leave or be helped upstairs.
    pub at_stake: usize,
    /// Sum of their `p_safe`.
    pub expected_safe: f64,
    /// `expected_safe / at_stake`; null when nobody is at stake.
    pub share_safe: Option<f64>,
    /// People at stake whose `p_safe` is below `drill.at_risk_below`, by id.
    pub people_at_risk: Vec<String>,
}

/// A helper or road whose loss drops people's probability of safety.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PointOfFailure {
    /// `helper` or `road`.
    pub kind: String,
    pub id: String,
    /// Expected number of people less safe without it (sum of the drops in `p_safe`).
    pub loss: f64,
    /// The people whose `p_safe` drops, most first (at most ten).
    pub people: Vec<String>,
}

/// A road on which people were caught late.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailingRoad {
    pub road: String,
    /// Person-runs that found this segment of their route closed.
    pub late_runs: u32,
    pub people: usize,
}

/// The report of a Monte Carlo drill (`drill.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrillReport {
    pub scenario: String,
    pub runs: u32,
    pub seed: u64,
    /// The district reported on, if one was chosen.
    pub district: Option<String>,
    pub total: DistrictStats,
    pub districts: BTreeMap<String, DistrictStats>,
    pub people: Vec<PersonStats>,
    pub single_points_of_failure: Vec<PointOfFailure>,
    pub failing_roads: Vec<FailingRoad>,
}

#[derive(Clone, Debug, Default)]
struct PersonAgg {
    counts: [u32; 5],
    arrivals: Vec<f64>,
    failures: BTreeMap<String, u32>,
    late_roads: BTreeMap<String, u32>,
}

struct CompResult {
    people: Vec<PersonAgg>,
    /// Safe runs per person among the first `spof_runs` runs.
    safe_first: Vec<u32>,
    leg_use: BTreeMap<u32, u32>,
    helper_use: BTreeMap<u32, u32>,
}

fn kind_index(k: OutcomeKind) -> usize {
    OutcomeKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// Safe runs per person of component `c` under `variant`.
fn safe_counts(drill: &Drill, c: usize, runs: u32, seed: u64, variant: Variant) -> Vec<u32> {
    let mut ws = Workspace::new();
    let mut out = Vec::new();
    let mut safe = vec![0u32; drill.components[c].0.len()];
    for k in 0..runs {
        drill.simulate_component(
            c,
            run_seed(seed, k as u64),
            variant,
            &mut ws,
            &mut out,
            None,
        );
        for (i, o) in out.iter().enumerate() {
            safe[i] += u32::from(o.kind.is_safe());
        }
    }
    safe
}

fn run_component(drill: &Drill, c: usize, runs: u32, seed: u64, first: u32) -> CompResult {
    let mut ws = Workspace::new();
    let mut out: Vec<Outcome> = Vec::new();
    let n = drill.components[c].0.len();
    let mut people = vec![PersonAgg::default(); n];
    let mut leg_use = BTreeMap::new();
    let mut helper_use = BTreeMap::new();
    let mut safe_first = vec![0u32; n];
    for k in 0..runs {
        drill.simulate_component(
            c,
            run_seed(seed, k as u64),
            Variant::default(),
            &mut ws,
            &mut out,
            None,
        );
        for (i, (agg, o)) in people.iter_mut().zip(&out).enumerate() {
            if k < first {
                safe_first[i] += u32::from(o.kind.is_safe());
            }
            agg.counts[kind_index(o.kind)] += 1;
            if matches!(o.kind, OutcomeKind::Safe | OutcomeKind::UpstairsDone) {
                agg.arrivals.push(o.secs);
            }
            if !o.kind.is_safe() {
                let code = format!("{}: {}", o.kind.code(), o.cause.code(drill));
                *agg.failures.entry(code).or_insert(0) += 1;
                if let Cause::Segment(e) = o.cause {
                    *agg.late_roads
                        .entry(drill.road_id(e).to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        for l in &ws.used_legs {
            *leg_use.entry(*l).or_insert(0u32) += 1;
        }
        for h in &ws.helped {
            *helper_use.entry(*h).or_insert(0u32) += 1;
        }
    }
    CompResult {
        people,
        safe_first,
        leg_use,
        helper_use,
    }
}

/// Value at quantile `q` (nearest rank) of sorted `v`.
fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

use crate::io::round_to as round;

impl Drill<'_> {
    /// Components holding a person of `district` (all when `None`).
    fn components_of(&self, district: Option<&str>) -> Vec<usize> {
        (0..self.components.len())
            .filter(|c| {
                district.is_none_or(|d| {
                    self.components[*c]
                        .0
                        .iter()
                        .any(|p| self.people[*p as usize].district == d)
                })
            })
            .collect()
    }

    /// One run with its timeline, sorted by time: `(component, outcomes by person index,
    /// events)`.
    pub fn timeline(
        &self,
        seed: u64,
        run: u32,
        district: Option<&str>,
    ) -> (BTreeMap<u32, Outcome>, Vec<super::TimelineEvent>) {
        let comps = self.components_of(district);
        let mut ws = Workspace::new();
        let mut out = Vec::new();
        let mut outcomes = BTreeMap::new();
        let mut all: Vec<(f64, usize, u64, super::TimelineEvent)> = Vec::new();
        for c in comps {
            let mut tl = Vec::new();
            self.simulate_component(
                c,
                run_seed(seed, run as u64),
                Variant::default(),
                &mut ws,
                &mut out,
                Some(&mut tl),
            );
            for (p, o) in self.components[c].0.iter().zip(&out) {
                outcomes.insert(*p, *o);
            }
            all.extend(tl.into_iter().map(|(t, s, e)| (t, c, s, e)));
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        (outcomes, all.into_iter().map(|x| x.3).collect())
    }
}

/// Runs the drill `runs` times with `seed` and reports per person, per district and the
/// single points of failure; only `district`'s people (and the components they are in)
/// when given.
pub fn monte_carlo(
    drill: &Drill,
    scenario: &str,
    runs: u32,
    seed: u64,
    district: Option<&str>,
) -> DrillReport {
    let comps = drill.components_of(district);
    let first = runs.min(drill.spof_runs.max(1));
    let results: Vec<CompResult> = comps
        .par_iter()
        .map(|c| run_component(drill, *c, runs, seed, first))
        .collect();
    let in_scope = |p: u32| district.is_none_or(|d| drill.people[p as usize].district == d);
    let runs_f = f64::from(runs.max(1));
    let mut people: Vec<(u32, PersonStats)> = Vec::new();
    // Safe runs among the first `first` runs: what the re-runs are compared with.
    let mut base_safe: BTreeMap<u32, u32> = BTreeMap::new();
    let mut late_roads: BTreeMap<String, (u32, usize)> = BTreeMap::new();
    for (c, r) in comps.iter().zip(&results) {
        for ((p, agg), sf) in drill.components[*c]
            .0
            .iter()
            .zip(&r.people)
            .zip(&r.safe_first)
        {
            let safe: u32 = OutcomeKind::ALL
                .iter()
                .filter(|k| k.is_safe())
                .map(|k| agg.counts[kind_index(*k)])
                .sum();
            base_safe.insert(*p, *sf);
            if !in_scope(*p) {
                continue;
            }
            for (road, n) in &agg.late_roads {
                let e = late_roads.entry(road.clone()).or_insert((0, 0));
                e.0 += n;
                e.1 += 1;
            }
            let dp = &drill.people[*p as usize];
            let mut arr = agg.arrivals.clone();
            arr.sort_by(f64::total_cmp);
            let main_failure = agg
                .failures
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(k, _)| k.clone());
            people.push((
                *p,
                PersonStats {
                    person: dp.id.clone(),
                    district: dp.district.clone(),
                    evacuation_need: dp.need.code().to_owned(),
                    p_safe: round(f64::from(safe) / runs_f, 4),
                    median_arrival_min: quantile(&arr, 0.5).map(|s| round(s / 60.0, 1)),
                    p90_arrival_min: quantile(&arr, 0.9).map(|s| round(s / 60.0, 1)),
                    main_failure,
                    outcomes: OutcomeKind::ALL
                        .iter()
                        .filter(|k| agg.counts[kind_index(**k)] > 0)
                        .map(|k| (k.code().to_owned(), agg.counts[kind_index(*k)]))
                        .collect(),
                },
            ));
        }
    }
    people.sort_by_key(|a| a.0);
    let mut total = DistrictStats::default();
    let mut districts: BTreeMap<String, DistrictStats> = BTreeMap::new();
    for (p, s) in &people {
        let at_stake = matches!(
            drill.people[*p as usize].task,
            Task::Leave | Task::Upstairs | Task::Uncovered
        );
        for d in [&mut total, districts.entry(s.district.clone()).or_default()] {
            d.people += 1;
            if at_stake {
                d.at_stake += 1;
                d.expected_safe += s.p_safe;
                if s.p_safe < drill.at_risk_below {
                    d.people_at_risk.push(s.person.clone());
                }
            }
        }
    }
    for d in std::iter::once(&mut total).chain(districts.values_mut()) {
        d.expected_safe = round(d.expected_safe, 3);
        d.share_safe = (d.at_stake > 0).then(|| round(d.expected_safe / d.at_stake as f64, 4));
    }
    // Single points of failure.
    let mut helper_use: BTreeMap<u32, u32> = BTreeMap::new();
    let mut leg_use: BTreeMap<u32, u32> = BTreeMap::new();
    let mut comp_legs: Vec<(usize, BTreeSet<u32>)> = Vec::new();
    for (c, r) in comps.iter().zip(&results) {
        for (h, n) in &r.helper_use {
            *helper_use.entry(*h).or_insert(0) += n;
        }
        for (l, n) in &r.leg_use {
            *leg_use.entry(*l).or_insert(0) += n;
        }
        comp_legs.push((*c, r.leg_use.keys().copied().collect()));
    }
    let mut comp_of_helper: BTreeMap<u32, usize> = BTreeMap::new();
    for c in &comps {
        for h in &drill.components[*c].1 {
            comp_of_helper.insert(*h, *c);
        }
    }
    let loss_of = |c: usize, safe: &[u32]| -> (f64, Vec<(i64, u32)>) {
        let mut loss = 0.0;
        let mut drops = Vec::new();
        for (p, s) in drill.components[c].0.iter().zip(safe) {
            if !in_scope(*p) {
                continue;
            }
            let drop = i64::from(base_safe[p]) - i64::from(*s);
            loss += drop as f64 / f64::from(first);
            if drop > 0 {
                drops.push((drop, *p));
            }
        }
        (loss, drops)
    };
    let name_drops = |mut drops: Vec<(i64, u32)>| -> Vec<String> {
        drops.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        drops
            .into_iter()
            .take(10)
            .map(|(_, p)| drill.people[p as usize].id.clone())
            .collect()
    };
    let mut helpers: Vec<(u32, u32)> = helper_use.iter().map(|(h, n)| (*h, *n)).collect();
    helpers.sort_by(|a, b| {
        b.1.cmp(&a.1).then(
            drill.helpers[a.0 as usize]
                .id
                .cmp(&drill.helpers[b.0 as usize].id),
        )
    });
    helpers.truncate(drill.spof_helpers);
    let mut spof: Vec<PointOfFailure> = helpers
        .par_iter()
        .map(|(h, _)| {
            let c = comp_of_helper[h];
            let safe = safe_counts(
                drill,
                c,
                first,
                seed,
                Variant {
                    without_helper: Some(*h),
                    closures: None,
                    legs: None,
                },
            );
            let (loss, drops) = loss_of(c, &safe);
            PointOfFailure {
                kind: "helper".into(),
                id: drill.helpers[*h as usize].id.clone(),
                loss: round(loss, 3),
                people: name_drops(drops),
            }
        })
        .collect();
    // Roads: use counted per road once per leg walked as planned.
    let mut road_use: BTreeMap<u32, u64> = BTreeMap::new();
    for (l, n) in &leg_use {
        let roads: BTreeSet<u32> = drill.legs[*l as usize]
            .edges
            .iter()
            .map(|(e, _)| drill.graph.edge(*e).road.0)
            .collect();
        for r in roads {
            *road_use.entry(r).or_insert(0) += u64::from(*n);
        }
    }
    let mut roads: Vec<(u32, u64)> = road_use.into_iter().collect();
    roads.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    roads.truncate(drill.spof_roads);
    let road_spof: Vec<PointOfFailure> = roads
        .par_iter()
        .map(|(r, _)| {
            let mut closures: Closures = drill.closures.clone();
            for (id, e) in drill.graph.edges() {
                if e.road.0 == *r {
                    closures.close(id);
                }
            }
            let mut loss = 0.0;
            let mut drops = Vec::new();
            for (c, legs) in &comp_legs {
                let touches = legs.iter().any(|l| {
                    drill.legs[*l as usize]
                        .edges
                        .iter()
                        .any(|(e, _)| drill.graph.edge(*e).road.0 == *r)
                });
                if !touches {
                    continue;
                }
                // The legs through the road planned again once, as at preparation.
                let mut tree = SearchTree::new();
                let replanned: BTreeMap<u32, Option<Leg>> = legs
                    .iter()
                    .filter(|l| {
                        drill.legs[**l as usize]
                            .edges
                            .iter()
                            .any(|(e, _)| drill.graph.edge(*e).road.0 == *r)
                    })
                    .map(|l| (*l, drill.replan(*l, &closures, &mut tree)))
                    .collect();
                let safe = safe_counts(
                    drill,
                    *c,
                    first,
                    seed,
                    Variant {
                        without_helper: None,
                        closures: Some(&closures),
                        legs: Some(&replanned),
                    },
                );
                let (l, d) = loss_of(*c, &safe);
                loss += l;
                drops.extend(d);
            }
            PointOfFailure {
                kind: "road".into(),
                id: drill.graph.road_ext_id(crate::model::RoadId(*r)).to_owned(),
                loss: round(loss, 3),
                people: name_drops(drops),
            }
        })
        .collect();
    spof.extend(road_spof);
    spof.retain(|s| s.loss > 0.0);
    spof.sort_by(|a, b| {
        b.loss
            .total_cmp(&a.loss)
            .then(a.kind.cmp(&b.kind))
            .then(a.id.cmp(&b.id))
    });
    let mut failing_roads: Vec<FailingRoad> = late_roads
        .into_iter()
        .map(|(road, (late_runs, people))| FailingRoad {
            road,
            late_runs,
            people,
        })
        .collect();
    failing_roads.sort_by(|a, b| b.late_runs.cmp(&a.late_runs).then(a.road.cmp(&b.road)));
    DrillReport {
        scenario: scenario.to_owned(),
        runs,
        seed,
        district: district.map(str::to_owned),
        total,
        districts,
        people: people.into_iter().map(|p| p.1).collect(),
        single_points_of_failure: spof,
        failing_roads,
    }
}
