//! Drills on tiny hand-made towns: each timeline computed by hand (and equal to the plan's
//! own times), Monte Carlo against exact probabilities, and the same report whatever the
//! number of threads.

mod common;

use common::town::{at, grid_roads_at, helper_in, leave_all, person_in, shelter_at};
use mimamori::drill::sim::{Cause, Variant, Workspace, run_seed};
use mimamori::drill::{Drill, OutcomeKind, monte_carlo};
use mimamori::model::*;
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::engine::{PlanParams, PlanRun, plan};
use mimamori::plan::scenario::{DrillEvent, DrillSettings};
use mimamori::plan::{HelperRole, Scenario};
use mimamori::spatial::Frame;
use time::macros::date;

fn road(id: &str, pts: &[(f64, f64)], bridge: bool) -> Road {
    Road {
        ext_id: id.into(),
        coords: pts.iter().map(|(x, y)| at(*x, *y)).collect(),
        class: RoadClass::Residential,
        bridge,
        tunnel: false,
        oneway: Oneway::No,
        wheelchair: None,
        name: String::new(),
    }
}

/// A `n` × `n` street grid with 100 m blocks.
fn grid_roads(n: usize) -> Vec<Road> {
    grid_roads_at("", 0.0, n)
}

fn person_at(id: &str, x: f64, y: f64) -> Person {
    person_in(0, id, x, y, Mobility::WalksWithHelp)
}

/// A helper aged 64 (or 76 with `old`: absent with the age extra) on 2024-04-01.
fn helper_at(id: &str, x: f64, y: f64, old: bool) -> Volunteer {
    let mut v = helper_in(0, id, x, y, &[]);
    if old {
        v.birth_year = 1948;
    }
    v
}

fn town(roads: Vec<Road>, shelter: (f64, f64)) -> Map {
    Map {
        districts: vec![District {
            code: "T".into(),
            name: "町".into(),
            boundary: None,
            commissioner: String::new(),
        }],
        roads,
        shelters: vec![shelter_at("S", shelter.0, shelter.1)],
        ..Map::default()
    }
}

/// Helpers answer at once; absent only with the age extra (`absence_extra` for helpers of
/// 75 or more), `absence` for everyone.
fn params(absence: f64, absence_extra: f64) -> PlanParams {
    let mut p = PlanParams::default();
    p.drill.response_median_min.day = 0.0;
    p.drill.response_median_min.night = 0.0;
    p.drill.absence.day = absence;
    p.drill.absence.night = absence;
    p.drill.absence_age_extra = absence_extra;
    p
}

fn graph(map: &Map) -> RoadGraph {
    RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap()
}

fn planned(map: &Map, g: &RoadGraph, s: &Scenario, p: &PlanParams) -> PlanRun {
    plan(map, g, s, p, date!(2024 - 04 - 01)).unwrap()
}

/// Outcomes of one run, by person id.
fn one_run(drill: &Drill, seed: u64) -> Vec<(String, mimamori::drill::Outcome)> {
    let mut ws = Workspace::new();
    let mut out = Vec::new();
    let mut all = Vec::new();
    for c in 0..drill.component_count() {
        let people = drill.simulate_component_people(c);
        drill.simulate_component(
            c,
            run_seed(seed, 0),
            Variant::default(),
            &mut ws,
            &mut out,
            None,
        );
        for (p, o) in people.iter().zip(&out) {
            all.push((drill.people[*p as usize].id.clone(), *o));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// Seconds of a walk of `m` metres at `mps`, within the graph's haversine rounding.
fn close_to(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= expected * 0.005 + 1.0
}

fn safe_secs(run: &PlanRun, id: &str) -> f64 {
    let p = run.plans.iter().find(|p| p.person == id).unwrap();
    p.primary_helpers().next().unwrap().safe_secs.unwrap()
}

#[test]
fn everyone_present_arrives_exactly_when_the_plan_says() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    m.people.push(person_at("P", 0.0, 0.0));
    m.volunteers.push(helper_at("V", 0.0, 200.0, false));
    let g = graph(&m);
    let p = params(0.0, 0.0);
    let run = planned(&m, &g, &leave_all(), &p);
    let drill = Drill::prepare(&m, &g, &leave_all(), &p, &run).unwrap();
    let r = one_run(&drill, 7);
    assert_eq!(r[0].1.kind, OutcomeKind::Safe);
    // Warned at 600 s, 200 m at 1.0 m/s, 15 min preparation, 1,000 m at 0.5 m/s.
    let by_hand = 600.0 + 200.0 + 900.0 + 2000.0;
    assert!(
        close_to(r[0].1.secs, by_hand),
        "{} vs {by_hand}",
        r[0].1.secs
    );
    assert!((r[0].1.secs - safe_secs(&run, "P")).abs() < 1e-6);
    // No water anywhere: nothing closes on the way.
    assert!(r[0].1.slack_secs.is_infinite());
}

#[test]
fn an_absent_primary_gives_the_backups_timeline_and_two_absent_not_reached() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    m.people.push(person_at("P", 0.0, 0.0));
    // V (near, 76: absent with probability 1) is the primary, B the backup.
    m.volunteers.push(helper_at("V", 0.0, 200.0, true));
    m.volunteers.push(helper_at("B", 0.0, 300.0, false));
    let g = graph(&m);
    let p = params(0.0, 1.0);
    let run = planned(&m, &g, &leave_all(), &p);
    let plan = &run.plans[0];
    assert_eq!(plan.helpers[0].id, "V");
    assert_eq!(plan.helpers[1].role, HelperRole::Backup);
    let drill = Drill::prepare(&m, &g, &leave_all(), &p, &run).unwrap();
    for seed in 0..20 {
        let r = one_run(&drill, seed);
        assert_eq!(r[0].1.kind, OutcomeKind::Safe);
        // Backup called at the 10 min timeout after the warning (1,200 s), 300 m, 15 min,
        // 1,000 m at 0.5 m/s.
        let by_hand = 1200.0 + 300.0 + 900.0 + 2000.0;
        assert!(
            close_to(r[0].1.secs, by_hand),
            "{} vs {by_hand}",
            r[0].1.secs
        );
    }
    // Both 76: nobody comes.
    m.volunteers[1].birth_year = 1948;
    let run = planned(&m, &g, &leave_all(), &p);
    let drill = Drill::prepare(&m, &g, &leave_all(), &p, &run).unwrap();
    let r = one_run(&drill, 3);
    assert_eq!(r[0].1.kind, OutcomeKind::NotReached);
    assert_eq!(r[0].1.cause, Cause::HelpersAbsent);
}

/// A river crossed by one bridge (BR, 400–500 m east); a loop 300 m north is the detour.
fn river_town() -> Map {
    let roads = vec![
        road("A", &[(0.0, 0.0), (400.0, 0.0)], false),
        road("BR", &[(400.0, 0.0), (500.0, 0.0)], true),
        road("C", &[(500.0, 0.0), (900.0, 0.0)], false),
        road("N1", &[(0.0, 0.0), (0.0, 100.0), (0.0, 300.0)], false),
        road("N2", &[(0.0, 300.0), (900.0, 300.0)], false),
        road("N3", &[(900.0, 300.0), (900.0, 0.0)], false),
    ];
    let mut m = town(roads, (900.0, 0.0));
    m.people.push(person_at("P", 0.0, 0.0));
    m.volunteers.push(helper_at("V", 0.0, 100.0, false));
    m
}

fn with_events(events: Vec<DrillEvent>) -> Scenario {
    Scenario {
        drill: DrillSettings {
            events,
            ..DrillSettings::default()
        },
        ..leave_all()
    }
}

fn close_at(min: f64, road: &str) -> DrillEvent {
    DrillEvent {
        at_min: min,
        close_road: Some(road.into()),
        helper_absent: None,
        flood_zone: None,
    }
}

#[test]
fn a_bridge_closing_at_minute_30_sends_the_escort_round_and_a_second_closure_makes_it_late() {
    let m = river_town();
    let g = graph(&m);
    let p = params(0.0, 0.0);
    let run = planned(&m, &g, &leave_all(), &p);
    // Planned: 100 m (arrive 700 s), ready 1,600 s, 900 m over the bridge at 0.5 m/s.
    assert!(close_to(safe_secs(&run, "P"), 1600.0 + 1800.0));
    // The bridge is left at 2,600 s; closing at minute 50 (3,000 s) changes nothing.
    let s = with_events(vec![close_at(50.0, "BR")]);
    let drill = Drill::prepare(&m, &g, &s, &p, &run).unwrap();
    let r = one_run(&drill, 1);
    assert_eq!(r[0].1.kind, OutcomeKind::Safe);
    assert!((r[0].1.secs - safe_secs(&run, "P")).abs() < 1e-6);
    // Closing at minute 30 (1,800 s): the detour north, 1,500 m at 0.5 m/s.
    let s = with_events(vec![close_at(30.0, "BR")]);
    let drill = Drill::prepare(&m, &g, &s, &p, &run).unwrap();
    let r = one_run(&drill, 1);
    assert_eq!(r[0].1.kind, OutcomeKind::Safe);
    assert!(close_to(r[0].1.secs, 1600.0 + 3000.0), "{}", r[0].1.secs);
    // The detour closed too: late, at the bridge.
    let s = with_events(vec![close_at(30.0, "BR"), close_at(20.0, "N2")]);
    let drill = Drill::prepare(&m, &g, &s, &p, &run).unwrap();
    let r = one_run(&drill, 1);
    assert_eq!(r[0].1.kind, OutcomeKind::Late);
    let br = g.edges().find(|(_, e)| e.bridge).map(|(id, _)| id).unwrap();
    assert_eq!(r[0].1.cause, Cause::Segment(br));
}

#[test]
fn a_round_of_two_people_is_walked_in_the_plans_order() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    m.people.push(person_at("P1", 0.0, 100.0));
    m.people.push(person_at("P2", 0.0, 200.0));
    let mut v = helper_at("V", 0.0, 0.0, false);
    v.capacity = 2;
    m.volunteers.push(v);
    let g = graph(&m);
    let p = params(0.0, 0.0);
    let run = planned(&m, &g, &leave_all(), &p);
    let drill = Drill::prepare(&m, &g, &leave_all(), &p, &run).unwrap();
    let r = one_run(&drill, 5);
    // P1 first: 100 m, 15 min, 900 m at 0.5 m/s (safe 3,400 s); then from the shelter 800 m
    // to P2 (4,200 s), 15 min, 800 m at 0.5 m/s (6,700 s).
    assert_eq!(r[0].0, "P1");
    assert!(close_to(r[0].1.secs, 3400.0), "{}", r[0].1.secs);
    assert!(close_to(r[1].1.secs, 6700.0), "{}", r[1].1.secs);
    for (id, o) in &r {
        assert_eq!(o.kind, OutcomeKind::Safe);
        assert!((o.secs - safe_secs(&run, id)).abs() < 1e-6, "{id}");
    }
}

#[test]
fn monte_carlo_matches_one_minus_p_times_q() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    m.people.push(person_at("P", 0.0, 0.0));
    m.volunteers.push(helper_at("V", 0.0, 200.0, false));
    m.volunteers.push(helper_at("B", 0.0, 300.0, true));
    let g = graph(&m);
    let mut p = params(0.3, 0.4);
    // Real response delays (log-normal) this time: without water they only shift times.
    p.drill.response_median_min.day = 3.0;
    let run = planned(&m, &g, &leave_all(), &p);
    assert_eq!(run.plans[0].helpers[0].id, "V");
    let drill = Drill::prepare(&m, &g, &leave_all(), &p, &run).unwrap();
    let runs = 4000;
    let r = monte_carlo(&drill, "t", runs, 11, None);
    let exact = 1.0 - 0.3 * 0.7;
    let sd = (exact * (1.0 - exact) / f64::from(runs)).sqrt();
    let got = r.people[0].p_safe;
    assert!(
        (got - exact).abs() < 4.0 * sd,
        "{got} vs {exact} ± {}",
        4.0 * sd
    );
    assert_eq!(
        r.people[0].main_failure.as_deref(),
        Some("not_reached: helpers_absent")
    );
}

#[test]
fn the_report_is_byte_identical_with_one_and_two_threads() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    for i in 0..6 {
        m.people
            .push(person_at(&format!("P{i}"), 0.0, 100.0 * i as f64));
        m.volunteers.push(helper_at(
            &format!("V{i}"),
            100.0,
            100.0 * i as f64,
            i % 2 == 0,
        ));
    }
    let g = graph(&m);
    let p = params(0.2, 0.3);
    let s = with_events(vec![close_at(25.0, "V1")]);
    let run = planned(&m, &g, &s, &p);
    let drill = Drill::prepare(&m, &g, &s, &p, &run).unwrap();
    let report = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| serde_json::to_string_pretty(&monte_carlo(&drill, "t", 300, 9, None)))
            .unwrap()
    };
    let one = report(1);
    assert_eq!(one, report(2));
    // And the draws matter: another seed gives another report.
    let other = serde_json::to_string_pretty(&monte_carlo(&drill, "t", 300, 10, None)).unwrap();
    assert_ne!(one, other);
}

#[test]
fn a_helper_dropping_out_at_minute_5_hands_the_person_to_the_backup_then() {
    let mut m = town(grid_roads(6), (500.0, 500.0));
    m.people.push(person_at("P", 0.0, 0.0));
    m.volunteers.push(helper_at("V", 0.0, 200.0, false));
    m.volunteers.push(helper_at("B", 0.0, 300.0, false));
    let g = graph(&m);
    let p = params(0.0, 0.0);
    let run = planned(&m, &g, &leave_all(), &p);
    let s = with_events(vec![DrillEvent {
        at_min: 5.0,
        close_road: None,
        helper_absent: Some("V".into()),
        flood_zone: None,
    }]);
    let drill = Drill::prepare(&m, &g, &s, &p, &run).unwrap();
    let r = one_run(&drill, 2);
    // The coordinator learns it at 300 s and calls B: 300 m, 15 min, 1,000 m at 0.5 m/s.
    assert_eq!(r[0].1.kind, OutcomeKind::Safe);
    assert!(
        close_to(r[0].1.secs, 300.0 + 300.0 + 900.0 + 2000.0),
        "{}",
        r[0].1.secs
    );
    // The timeline says who did what.
    let (_, events) = drill.timeline(2, 0, None);
    let whats: Vec<&str> = events.iter().map(|e| e.what).collect();
    assert_eq!(
        whats,
        [
            "helper_gone",
            "backup_called",
            "confirmed",
            "set_off",
            "arrived",
            "preparing",
            "left_home",
            "safe"
        ]
    );
}

#[test]
fn drill_events_are_checked_with_their_number_and_field() {
    let m = river_town();
    let g = graph(&m);
    let p = params(0.0, 0.0);
    let run = planned(&m, &g, &leave_all(), &p);
    let s = with_events(vec![close_at(10.0, "BR"), close_at(20.0, "NOPE")]);
    let e = Drill::prepare(&m, &g, &s, &p, &run)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("event no. 2") && e.contains("close_road") && e.contains("NOPE"),
        "{e}"
    );
    let mut bad = close_at(10.0, "BR");
    bad.helper_absent = Some("V".into());
    let s = with_events(vec![bad]);
    let e = Drill::prepare(&m, &g, &s, &p, &run)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("event no. 1") && e.contains("exactly one"),
        "{e}"
    );
    // From a file: an unknown key is refused.
    let text = "name = \"x\"\n[drill]\nevents = [{ at_min = 5, close_rode = \"BR\" }]\n";
    assert!(toml::from_str::<Scenario>(text).is_err());
    let ok =
        "name = \"x\"\n[drill]\nabsence = 0.2\nevents = [{ at_min = 5, close_road = \"BR\" }]\n";
    let s: Scenario = toml::from_str(ok).unwrap();
    assert_eq!(s.drill.events[0].close_road.as_deref(), Some("BR"));
}
