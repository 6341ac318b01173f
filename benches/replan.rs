//! Re-planning one district of the bundled city after a change, with the map, road graph and
//! caches held by a `Planner` (the service's case), against planning the whole city again.
//!
//! The district is the one with the most people needing help in the default scenario. Each
//! change is applied again on every iteration (a pin toggled between two helpers, the same
//! helper withdrawn, the same road closed), so every iteration re-plans the district.

use criterion::{Criterion, criterion_group, criterion_main};
use mimamori::io::mapdir;
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::Scenario;
use mimamori::plan::engine::{Change, PlanParams, Planner};
use mimamori::spatial::Frame;
use std::path::Path;
use time::macros::date;

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/asahikawa-synthetic");
    let (map, as_of) = mapdir::load_map_at(&dir, None, date!(2024 - 04 - 01)).expect("bundled map");
    let graph =
        RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).expect("graph");
    let planner = Planner::new(map, graph, PlanParams::default());
    let scenario = Scenario::default();
    let mut planned = planner
        .plan(&scenario, as_of, None, &mut |_, _| {})
        .expect("plan");
    let run = planned.run().clone();
    let (district, counts) = run
        .summary
        .by_district
        .iter()
        .max_by_key(|(code, c)| (c.need_help, std::cmp::Reverse((*code).clone())))
        .expect("a district");
    let district = district.clone();
    eprintln!(
        "district {district}: {} people, {} need help, {} covered",
        counts.people, counts.need_help, counts.covered
    );
    // A covered person of the district, their primary helper, and a helper of theirs who is
    // not: pins toggle between the two.
    let plan = run
        .plans
        .iter()
        .find(|p| p.district == district && p.covered && p.needs_help && p.helpers.len() >= 2)
        .expect("a covered person with a backup");
    let person = plan.person.clone();
    let helpers: Vec<String> = plan.helpers.iter().map(|h| h.id.clone()).collect();
    let road = planner
        .map()
        .roads
        .iter()
        .find(|r| {
            let home = planner
                .map()
                .people
                .iter()
                .find(|p| p.ext_id == person)
                .unwrap()
                .home;
            r.coords
                .iter()
                .any(|c| (c.lon - home.lon).abs() < 0.003 && (c.lat - home.lat).abs() < 0.003)
        })
        .map(|r| r.ext_id.clone())
        .expect("a road near the person");
    let mut g = c.benchmark_group("replan_district");
    g.sample_size(20);
    g.bench_function("no_change", |b| {
        b.iter(|| {
            planner
                .replan(&mut planned, &district, &Change::None)
                .unwrap()
        })
    });
    let mut i = 0;
    g.bench_function("pin_helper", |b| {
        b.iter(|| {
            i += 1;
            let change = Change::Pin {
                person: person.clone(),
                helper: Some(helpers[i % 2].clone()),
                destination: None,
            };
            planner.replan(&mut planned, &district, &change).unwrap()
        })
    });
    let withdraw = Change::HelperWithdrawn {
        helper: helpers[0].clone(),
    };
    g.bench_function("helper_withdrawn", |b| {
        b.iter(|| planner.replan(&mut planned, &district, &withdraw).unwrap())
    });
    // A fresh closure every iteration: each one starts from the plans before it (the copy is
    // made outside the timing), so no iteration finds the road already closed.
    let close = Change::RoadClosed { road };
    g.bench_function("road_closed", |b| {
        b.iter_batched(
            || planned.clone(),
            // Returned, so the copy is dropped outside the timing too.
            |mut before| {
                let r = planner.replan(&mut before, &district, &close).unwrap();
                (before, r)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
    let mut g = c.benchmark_group("plan_city");
    g.sample_size(10);
    g.bench_function("planner_plan", |b| {
        b.iter(|| {
            planner
                .plan(&scenario, as_of, None, &mut |_, _| {})
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
