//! District re-plans (`Planner::replan`) against the reference: a full plan of the map with the
//! same change. On seeded random two-district towns whose districts share no road, helper or
//! shelter, a re-plan of one district must give exactly the full plan's plans, uncovered list
//! and counts; and a re-plan with no change must change nothing.

mod common;

use common::town;
use mimamori::model::*;
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::Scenario;
use mimamori::plan::engine::{Change, PlanParams, PlanRun, Planner, plan};
use mimamori::rng::Rng;
use mimamori::spatial::Frame;
use time::macros::date;

/// District `d`'s origin is `GAP` metres east of the previous one's: 20 km (no helper walks
/// that far), or 500 m in the towns whose districts touch (set per thread by `touching`).
fn gap(d: usize) -> f64 {
    d as f64 * GAP.with(|g| g.get())
}

fn at(d: usize, x_m: f64, y_m: f64) -> LonLat {
    town::at(x_m + gap(d), y_m)
}

thread_local! {
    static GAP: std::cell::Cell<f64> = const { std::cell::Cell::new(20_000.0) };
}

fn grid(d: usize, n: usize) -> Vec<Road> {
    town::grid_roads_at(&format!("D{d}"), gap(d), n)
}

fn town(rng: &mut Rng) -> Map {
    let mut m = Map::default();
    for d in 0..2 {
        m.districts.push(District {
            code: format!("D{d}"),
            name: format!("地区{d}"),
            boundary: None,
            commissioner: String::new(),
        });
        m.roads.extend(grid(d, 6));
        m.shelters.push(Shelter {
            ext_id: format!("S{d}"),
            name: format!("避難所{d}"),
            address: String::new(),
            location: at(d, 500.0, 500.0),
            kind: ShelterKind::Shelter,
            hazards: [HazardType::Flood].into_iter().collect(),
            // Small shelters sometimes, so seats are contested.
            capacity: 2 + rng.below(40) as u32,
            indoor: true,
            barrier_free: true,
            welfare_access: None,
        });
        let pos = |rng: &mut Rng| (rng.below(6) as f64 * 100.0, rng.below(6) as f64 * 100.0);
        for i in 0..2 + rng.below(6) {
            let (x, y) = pos(rng);
            let mobility = [
                Mobility::WalksWithHelp,
                Mobility::Wheelchair,
                Mobility::Bedridden,
                Mobility::WalksAlone,
            ][rng.below(4)];
            let mut p = town::person_in(d as u32, &format!("P{d}{i:02}"), x + gap(d), y, mobility);
            p.reasons = vec![SupportReason::CareLevel(1 + rng.below(5) as u8)];
            m.people.push(p);
        }
        for i in 0..1 + rng.below(6) {
            let (x, y) = pos(rng);
            let mut skills = Vec::new();
            if rng.chance(0.5) {
                skills.push(Skill::Wheelchair);
            }
            if rng.chance(0.3) {
                skills.push(Skill::Car);
            }
            let mut v = town::helper_in(d as u32, &format!("V{d}{i:02}"), x + gap(d), y, &skills);
            v.birth_year = 1950 + rng.below(30) as i32;
            v.capacity = 1 + rng.below(3) as u8;
            m.volunteers.push(v);
        }
    }
    m
}

fn scenario() -> Scenario {
    Scenario {
        evacuate_all: true,
        ..Scenario::default()
    }
}

fn full(map: &Map, sc: &Scenario) -> PlanRun {
    let g = RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap();
    plan(map, &g, sc, &PlanParams::default(), date!(2024 - 04 - 01)).unwrap()
}

fn assert_same(got: &PlanRun, want: &PlanRun, what: &str) {
    assert_eq!(got.plans, want.plans, "{what}: plans");
    assert_eq!(got.uncovered, want.uncovered, "{what}: uncovered");
    assert_eq!(got.summary.total, want.summary.total, "{what}: totals");
    assert_eq!(
        got.summary.by_district, want.summary.by_district,
        "{what}: districts"
    );
    assert_eq!(got.explanations, want.explanations, "{what}: explanations");
}

#[test]
fn a_district_replan_equals_a_full_plan_with_the_same_change() {
    let mut kinds = [0usize; 4];
    let mut changed = [0usize; 4];
    for seed in 0..60u64 {
        let mut rng = Rng::new(seed);
        let map = town(&mut rng);
        let sc = scenario();
        let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
        let planner = Planner::new(map.clone(), g, PlanParams::default());
        let mut planned = planner
            .plan(&sc, date!(2024 - 04 - 01), None, &mut |_, _| {})
            .unwrap();
        let reference = full(&map, &sc);
        assert_same(planned.run(), &reference, &format!("seed {seed}: plan"));
        // No change: nothing changes.
        let r = planner.replan(&mut planned, "D0", &Change::None).unwrap();
        assert!(r.changed.is_empty(), "seed {seed}: {r:?}");
        assert_same(
            planned.run(),
            &reference,
            &format!("seed {seed}: no change"),
        );
        // One change in district D0, then the same change on the full map.
        let people: Vec<&Person> = map.people.iter().filter(|p| p.district.0 == 0).collect();
        let helpers: Vec<&Volunteer> = map
            .volunteers
            .iter()
            .filter(|v| v.district.0 == 0)
            .collect();
        let mut map2 = map.clone();
        let mut sc2 = sc.clone();
        // Two changes in a row, each compared with the full plan of every change so far.
        let mut last = reference.clone();
        for _step in 0..2 {
            let kind = rng.below(4);
            kinds[kind] += 1;
            let change = match kind {
                0 => {
                    let p = people[rng.below(people.len())];
                    let v = helpers[rng.below(helpers.len())];
                    let pid = map.find_person(&p.ext_id).unwrap();
                    map2.pins.retain(|x| x.person != pid);
                    map2.pins.push(Pin {
                        person: pid,
                        helper: map.find_volunteer(&v.ext_id),
                        destination: None,
                        note: String::new(),
                    });
                    Change::Pin {
                        person: p.ext_id.clone(),
                        helper: Some(v.ext_id.clone()),
                        destination: None,
                    }
                }
                1 => {
                    let v = helpers[rng.below(helpers.len())];
                    sc2.unavailable_volunteers.push(v.ext_id.clone());
                    Change::HelperWithdrawn {
                        helper: v.ext_id.clone(),
                    }
                }
                2 => {
                    let road = format!(
                        "D0{}{}",
                        if rng.chance(0.5) { "H" } else { "V" },
                        rng.below(6)
                    );
                    sc2.closed_roads.push(road.clone());
                    Change::RoadClosed { road }
                }
                _ => {
                    let p = people[rng.below(people.len())];
                    let pid = map.find_person(&p.ext_id).unwrap();
                    map2.pins.retain(|x| x.person != pid);
                    map2.pins.push(Pin {
                        person: pid,
                        helper: None,
                        destination: Some(ShelterId(0)),
                        note: String::new(),
                    });
                    Change::Pin {
                        person: p.ext_id.clone(),
                        helper: None,
                        destination: Some("S0".into()),
                    }
                }
            };
            let r = planner.replan(&mut planned, "D0", &change).unwrap();
            let want = full(&map2, &sc2);
            changed[kind] += usize::from(want.plans != last.plans);
            assert_same(planned.run(), &want, &format!("seed {seed}: {change:?}"));
            // What it says changed is what changed.
            for p in &map.people {
                let before = last.plans.iter().find(|x| x.person == p.ext_id);
                let after = want.plans.iter().find(|x| x.person == p.ext_id);
                let key = |pl: Option<&mimamori::plan::Plan>| {
                    pl.map(|pl| {
                        (
                            pl.helpers.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
                            pl.destination.as_ref().map(|d| d.id.clone()),
                            pl.covered,
                        )
                    })
                };
                assert_eq!(
                    r.changed.contains(&p.ext_id),
                    key(before) != key(after),
                    "seed {seed}: {} {change:?}",
                    p.ext_id
                );
            }
            // The other district was not re-planned.
            assert!(r.replanned.iter().all(|p| p.starts_with("P0")), "{r:?}");
            last = want;
        }
    }
    assert!(
        kinds.iter().all(|k| *k >= 5),
        "every kind of change tried: {kinds:?}"
    );
    // And the changes made a difference (helpers, destinations or routes) often enough for
    // the comparison to mean something.
    assert!(
        changed.iter().all(|c| *c >= 2),
        "changed: {changed:?} of {kinds:?}"
    );
    eprintln!("changed: {changed:?} of {kinds:?}");
}

#[test]
fn unknown_ids_in_a_change_are_refused_and_change_nothing() {
    let mut rng = Rng::new(7);
    let map = town(&mut rng);
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let planner = Planner::new(map, g, PlanParams::default());
    let mut planned = planner
        .plan(&scenario(), date!(2024 - 04 - 01), None, &mut |_, _| {})
        .unwrap();
    let before = planned.run().clone();
    for (district, change) in [
        ("XX", Change::None),
        (
            "D0",
            Change::Pin {
                person: "nobody".into(),
                helper: None,
                destination: None,
            },
        ),
        (
            "D0",
            Change::Pin {
                person: "P000".into(),
                helper: Some("nobody".into()),
                destination: None,
            },
        ),
        (
            "D0",
            Change::HelperWithdrawn {
                helper: "nobody".into(),
            },
        ),
        (
            "D0",
            Change::RoadClosed {
                road: "nowhere".into(),
            },
        ),
    ] {
        let e = planner.replan(&mut planned, district, &change).unwrap_err();
        assert!(
            e.to_string().contains("no ") || e.to_string().contains("road"),
            "{e}"
        );
        assert_eq!(planned.run(), &before, "{change:?}");
    }
}

#[test]
fn a_district_replan_in_a_town_of_touching_districts_keeps_the_rest_and_every_limit() {
    GAP.with(|g| g.set(500.0));
    let mut held_seen = 0;
    for seed in 0..60u64 {
        let mut rng = Rng::new(1000 + seed);
        let map = town(&mut rng);
        let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
        let planner = Planner::new(map.clone(), g, PlanParams::default());
        let mut planned = planner
            .plan(&scenario(), date!(2024 - 04 - 01), None, &mut |_, _| {})
            .unwrap();
        let before = planned.run().clone();
        // No change: the same coverage (the optimum is kept; ties may fall otherwise).
        planner.replan(&mut planned, "D0", &Change::None).unwrap();
        assert_eq!(
            planned.run().summary.total.covered,
            before.summary.total.covered,
            "seed {seed}"
        );
        let helpers: Vec<&Volunteer> = map.volunteers.iter().collect();
        let v = helpers[rng.below(helpers.len())].ext_id.clone();
        let r = planner
            .replan(
                &mut planned,
                "D0",
                &Change::HelperWithdrawn { helper: v.clone() },
            )
            .unwrap();
        held_seen += r.held.len();
        let run = planned.run();
        // Nobody re-planned or held is outside D0, unless the change touched them.
        for p in &run.plans {
            let was = before.plans.iter().find(|x| x.person == p.person).unwrap();
            let touched = was.helpers.iter().any(|h| h.id == v);
            if !r.replanned.contains(&p.person) {
                assert_eq!(p, was, "seed {seed}: {} untouched", p.person);
            }
            if r.replanned.contains(&p.person) {
                let why = p.person.starts_with("P0") || touched || r.held.contains(&p.person);
                assert!(why, "seed {seed}: {} re-planned", p.person);
            }
            // The withdrawn helper is gone.
            assert!(
                p.helpers.iter().all(|h| h.id != v),
                "seed {seed}: {}",
                p.person
            );
        }
        // No helper escorts more than their capacity, or backs up more than it.
        for vol in &map.volunteers {
            let count = |role| {
                run.plans
                    .iter()
                    .filter(|p| {
                        p.helpers
                            .iter()
                            .any(|h| h.id == vol.ext_id && h.role == role)
                    })
                    .count()
            };
            assert!(
                count(mimamori::plan::HelperRole::Primary) <= vol.capacity as usize,
                "seed {seed}"
            );
            assert!(
                count(mimamori::plan::HelperRole::Backup) <= vol.capacity as usize,
                "seed {seed}"
            );
        }
        // The counts are the plans' counts.
        let covered = run
            .plans
            .iter()
            .filter(|p| p.needs_help && p.covered)
            .count();
        assert_eq!(run.summary.total.covered, covered, "seed {seed}");
    }
    assert!(
        held_seen > 0,
        "some re-plans held people of the other district"
    );
}

/// Real road segments of the sample district closed one at a time (seeded picks, day and
/// night): the district re-plan, which repeats only the searches whose footprint holds a
/// closed segment, equals a full plan with that road closed, field for field.
#[test]
fn a_closed_segment_of_the_sample_district_replans_as_a_full_plan() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    let (map, _) =
        mimamori::io::mapdir::load_map_at(&dir, None, date!(2024 - 04 - 01)).expect("sample map");
    let district = map.districts[0].code.clone();
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let planner = Planner::new(map.clone(), g, PlanParams::default());
    let mut rng = Rng::new(7);
    let mut changed = 0;
    for case in 0..24 {
        // The default flood by day, and everyone leaving at night.
        let mut sc = Scenario::default();
        if case % 2 == 1 {
            sc = scenario();
            sc.time_of_day = mimamori::plan::TimeOfDay::Night;
        }
        let mut planned = planner
            .plan(&sc, date!(2024 - 04 - 01), None, &mut |_, _| {})
            .unwrap();
        let before = planned.run().plans.clone();
        let road = map.roads[rng.below(map.roads.len())].ext_id.clone();
        planner
            .replan(
                &mut planned,
                &district,
                &Change::RoadClosed { road: road.clone() },
            )
            .unwrap();
        sc.closed_roads.push(road.clone());
        let want = full(&map, &sc);
        changed += usize::from(want.plans != before);
        assert_same(
            planned.run(),
            &want,
            &format!("case {case}: road {road} closed"),
        );
    }
    // Some closures must change plans, or the cases test nothing.
    assert!(changed > 0, "no closure changed a plan");
}
