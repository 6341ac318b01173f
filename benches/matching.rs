//! City-scale helper matching: Asahikawa's fiscal 2023 numbers (3,418 watched persons,
//! 1,570 helpers, 48 districts) on a synthetic map, to keep `plan::matching` fast enough
//! for interactive re-planning.
//!
//! Two layouts: arcs only inside each district (48 independent components, the usual case
//! since each district council plans with its own helpers), benchmarked by default; and arcs
//! to the nearest helpers city-wide, so border people chain all districts into one component.
//! The second is the worst case: one flow relaxation over the whole city takes about 10 s
//! (measured 2026-11, 2 cores), so it only runs with `MATCHING_BENCH_CITY_WIDE=1`, best with a
//! filter matching no benchmark, to see the first solve's time and stats. The budgets can be
//! overridden with `MATCHING_BENCH_NODES` and `MATCHING_BENCH_WORK`.
//!
//! `MATCHING_BENCH_DUMP=path.json` also benchmarks a saved problem: either a bare
//! `MatchingProblem` or a plan dump whose `helpers.problem` holds one; set
//! `MATCHING_BENCH_KEY` to read another key's `problem` instead, e.g.
//! `MATCHING_BENCH_KEY=destinations`. The first solve's line ends with a fingerprint of the
//! assignment, to check that a change to the solver leaves the answer as it was.

use criterion::{Criterion, criterion_group, criterion_main};
use mimamori::plan::matching::{
    Arc, BackupParams, Demand, MatchingParams, MatchingProblem, Supply, assign_backups, solve,
};
use std::hint::black_box;

const PEOPLE: usize = 3_418;
const HELPERS: usize = 1_570;
const DISTRICTS: usize = 48;
/// District squares side, metres; an 8 x 6 grid of 1.2 km squares is a mid-sized city.
const DISTRICT_SIDE_M: f64 = 1_200.0;
/// 0.5 m/s: walking speed with elderly or disabled people (Miyagi tsunami evacuation
/// guideline), turning distance into escort seconds.
const ESCORT_SPEED_M_PER_S: f64 = 0.5;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A point in a random district: `(district, x_m, y_m)`.
fn place(rng: &mut SplitMix64) -> (usize, f64, f64) {
    let d = rng.range(0, DISTRICTS as u64 - 1) as usize;
    let (col, row) = ((d % 8) as f64, (d / 8) as f64);
    let x = (col + rng.unit()) * DISTRICT_SIDE_M;
    let y = (row + rng.unit()) * DISTRICT_SIDE_M;
    (d, x, y)
}

/// `car_percent > 0`: that share of helpers own a car (arcs from them are tagged) and every
/// need-2 person needs at least one of them (`min_tagged` 1); drawn from a separate generator
/// so that the other layouts stay as they were.
fn city(seed: u64, city_wide: bool, need2_percent: u64, car_percent: u64) -> MatchingProblem {
    let mut rng = SplitMix64(seed);
    let mut car_rng = SplitMix64(seed ^ 0xCA);
    let people_at: Vec<_> = (0..PEOPLE).map(|_| place(&mut rng)).collect();
    let helpers_at: Vec<_> = (0..HELPERS).map(|_| place(&mut rng)).collect();
    let people = (0..PEOPLE)
        .map(|_| {
            let need = if rng.range(0, 99) < need2_percent {
                2
            } else {
                1
            };
            Demand {
                need,
                weight: rng.range(1, 5),
                min_tagged: u8::from(need == 2 && car_percent > 0),
            }
        })
        .collect();
    let has_car: Vec<bool> = (0..HELPERS)
        .map(|_| car_rng.range(0, 99) < car_percent)
        .collect();
    let helpers = (0..HELPERS)
        .map(|_| Supply {
            capacity: rng.range(1, 3) as u32,
        })
        .collect();
    let mut arcs = Vec::new();
    for (p, &(pd, px, py)) in people_at.iter().enumerate() {
        let mut near: Vec<(f64, usize)> = helpers_at
            .iter()
            .enumerate()
            .filter(|(_, (hd, _, _))| city_wide || *hd == pd)
            .map(|(h, &(_, hx, hy))| ((hx - px).hypot(hy - py), h))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = rng.range(10, 30) as usize;
        for &(dist_m, h) in near.iter().take(k) {
            let mut secs = (dist_m / ESCORT_SPEED_M_PER_S).round() as u64;
            // Some pairs already know each other from watch visits: discount them.
            if rng.range(0, 9) == 0 {
                secs /= 2;
            }
            arcs.push(Arc {
                person: p,
                helper: h,
                cost: secs,
                tagged: has_car[h],
            });
        }
    }
    MatchingProblem {
        people,
        helpers,
        arcs,
    }
}

/// Reads the problem named by `MATCHING_BENCH_DUMP`, if set.
fn dumped_problem() -> Option<MatchingProblem> {
    let path = std::env::var("MATCHING_BENCH_DUMP").ok()?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let key = std::env::var("MATCHING_BENCH_KEY").unwrap_or_else(|_| "helpers".to_string());
    let problem = value.pointer(&format!("/{key}/problem")).unwrap_or(&value);
    Some(serde_json::from_value(problem.clone()).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn bench(c: &mut Criterion) {
    if let Some(problem) = dumped_problem() {
        let params = MatchingParams::default();
        let started = std::time::Instant::now();
        let solution = solve(&problem, &params).expect("valid");
        let elapsed = started.elapsed();
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            solution.assigned.hash(&mut hasher);
            hasher.finish()
        };
        eprintln!(
            "dump: first solve {:?}, {} people, {} arcs, weight {}, cost {}, {:?}, assignment {fingerprint:016x}",
            elapsed,
            problem.people.len(),
            problem.arcs.len(),
            solution.covered_weight,
            solution.total_cost,
            solution.stats
        );
        c.bench_function("solve_dump", |b| {
            b.iter(|| solve(black_box(&problem), &params).unwrap())
        });
    }
    // About 8% need two helpers (wheelchair carried over steps, stretcher); the 25% layout
    // (about 18 per district) stresses the branch and bound.
    // The `_car` layout asks every need-2 person for at least one helper with a car, half
    // the helpers having one (a bench setting, not a survey figure).
    let layouts = [
        ("districts", false, 8, 0),
        ("districts_need2_25pct", false, 25, 0),
        ("districts_need2_25pct_car", false, 25, 50),
        ("city_wide", true, 8, 0),
    ];
    for (name, city_wide, need2_percent, car_percent) in layouts {
        if city_wide && std::env::var("MATCHING_BENCH_CITY_WIDE").is_err() {
            continue;
        }
        let problem = city(2023, city_wide, need2_percent, car_percent);
        let mut params = MatchingParams::default();
        // Lets a run cap the search to see how it degrades, e.g. MATCHING_BENCH_NODES=50.
        if let Some(n) = std::env::var("MATCHING_BENCH_NODES")
            .ok()
            .and_then(|n| n.parse().ok())
        {
            params.max_branch_nodes = n;
        }
        if let Some(w) = std::env::var("MATCHING_BENCH_WORK")
            .ok()
            .and_then(|w| w.parse().ok())
        {
            params.max_search_work = w;
        }
        let started = std::time::Instant::now();
        let solution = solve(&problem, &params).expect("valid");
        let solve_time = started.elapsed();
        let covered = solution.assigned.iter().filter(|a| !a.is_empty()).count();
        let backups = assign_backups(&problem, &solution, &BackupParams::default()).expect("valid");
        eprintln!(
            "{name}: first solve {solve_time:?}, {} arcs, covered {covered}/{PEOPLE}, weight {}, cost {} s, backups {}, {:?}",
            problem.arcs.len(),
            solution.covered_weight,
            solution.total_cost,
            backups.iter().filter(|b| b.is_some()).count(),
            solution.stats
        );
        c.bench_function(&format!("solve_{name}"), |b| {
            b.iter(|| solve(black_box(&problem), &params).unwrap())
        });
        c.bench_function(&format!("assign_backups_{name}"), |b| {
            b.iter(|| assign_backups(black_box(&problem), &solution, &BackupParams::default()))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
