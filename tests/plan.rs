//! The planning engine on the bundled maps: invariants over the whole synthetic city, every
//! uncovered person has a reason and every reason is re-checked against the data, the shipped
//! scenarios run and the winter night covers fewer people, and runs are deterministic.

use mimamori::io::mapdir::load_map;
use mimamori::io::plan_out::read_scenario;
use mimamori::model::{Map, Mobility, Role, Skill};
use mimamori::network::{
    Closures, Direction, GraphParams, Profile, RoadGraph, RoutingParams, hazard_closures,
    one_to_many,
};
use mimamori::plan::engine::{PlanParams, PlanRun, plan, profile_for, skill_needed};
use mimamori::plan::{HelperRole, Method, Reason, Scenario};
use mimamori::spatial::Frame;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use time::macros::date;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct City {
    map: Map,
    graph: RoadGraph,
}

fn city() -> &'static City {
    static CITY: OnceLock<City> = OnceLock::new();
    CITY.get_or_init(|| {
        let map = load_map(&root().join("maps/asahikawa-synthetic")).unwrap();
        let graph =
            RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
        City { map, graph }
    })
}

fn scenario(name: &str) -> Scenario {
    read_scenario(&root().join("scenarios").join(name)).unwrap()
}

fn run(s: &Scenario) -> PlanRun {
    let c = city();
    plan(
        &c.map,
        &c.graph,
        s,
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap()
}

fn daytime() -> &'static PlanRun {
    static RUN: OnceLock<PlanRun> = OnceLock::new();
    RUN.get_or_init(|| run(&scenario("flood-daytime.toml")))
}

#[test]
fn helpers_respect_capacity_skills_availability_consent_and_backups_differ() {
    let (map, run) = (&city().map, daytime());
    let s = scenario("flood-daytime.toml");
    let mut load: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &run.plans {
        let person = map.person(map.find_person(&p.person).unwrap());
        let primaries: Vec<_> = p.primary_helpers().collect();
        if p.covered && p.method != Method::StayUpstairs {
            assert_eq!(
                primaries.len(),
                person.helpers_needed as usize,
                "{}",
                p.person
            );
        }
        for h in &p.helpers {
            let v = map.volunteer(map.find_volunteer(&h.id).unwrap());
            assert!(
                v.consent_named,
                "{} names {} without consent",
                p.person, h.id
            );
            assert!(v.has_role(Role::Helper) || v.has_role(Role::Commissioner));
            assert!(
                v.availability.weekday_day,
                "{} is not available on weekday days",
                h.id
            );
            if let Some(skill) = skill_needed(person.mobility) {
                assert!(
                    v.has_skill(skill),
                    "{} lacks {skill:?} for {}",
                    h.id,
                    p.person
                );
            }
            assert!(h.travel_secs <= 15.0 * 60.0 + 1e-6);
            if h.role == HelperRole::Primary {
                *load.entry(h.id.as_str()).or_default() += 1;
            }
        }
        if let Some(b) = p.backup_helper() {
            assert!(
                primaries.iter().all(|h| h.id != b.id),
                "{}: backup is a primary",
                p.person
            );
        }
        if p.covered && p.method != Method::StayUpstairs {
            let d = p
                .destination
                .as_ref()
                .expect("a covered evacuation has a destination");
            let sh = map.shelters.iter().find(|x| x.ext_id == d.id).unwrap();
            assert!(
                sh.hazards.contains(s.hazard),
                "{} not designated for the hazard",
                d.id
            );
            assert!(sh.indoor || !s.indoor_only());
            if person.mobility == Mobility::Wheelchair {
                assert!(
                    sh.barrier_free,
                    "{} sends a wheelchair user to {}",
                    p.person, d.id
                );
            }
            let total = primaries.iter().map(|h| h.travel_secs).fold(0.0, f64::max)
                + p.preparation_secs
                + p.evacuation_secs;
            assert!(
                total <= s.lead_secs() + 1e-6,
                "{}: {total} s exceeds the lead time",
                p.person
            );
        }
    }
    for (id, n) in load {
        let v = map.volunteer(map.find_volunteer(id).unwrap());
        assert!(
            n <= v.capacity as usize,
            "{id} escorts {n} > capacity {}",
            v.capacity
        );
    }
    // Destinations: no shelter takes more than its reserved seats.
    assert!(
        mimamori::plan::matching::check(&run.destinations.problem, &run.destinations.solution)
            .is_ok()
    );
    assert!(mimamori::plan::matching::check(&run.helpers.problem, &run.helpers.solution).is_ok());
    let stats = &run.helpers.solution.stats;
    assert!(
        stats.optimal,
        "the city's helper matching is not proven optimal: {stats:?}"
    );
    assert_eq!(
        stats.covered_weight_bound,
        run.helpers.solution.covered_weight
    );
}

#[test]
fn everyone_uncovered_has_a_reason_and_every_reason_is_true() {
    let (c, run) = (city(), daytime());
    let map = &c.map;
    let params = RoutingParams::default();
    assert_eq!(run.summary.total.people, map.people.len());
    let no_consent = map.people.iter().filter(|p| !p.consent.plan).count();
    assert_eq!(
        run.plans.len(),
        map.people.len() - no_consent,
        "one plan per consenting person"
    );
    for p in run.plans.iter().filter(|p| !p.covered) {
        assert!(
            !p.reasons.is_empty(),
            "{} is uncovered without a reason",
            p.person
        );
    }
    let capacity_full = |id: &str| {
        let v = map.volunteer(map.find_volunteer(id).unwrap());
        let escorted = run
            .plans
            .iter()
            .filter(|p| p.primary_helpers().any(|h| h.id == id))
            .count();
        escorted == v.capacity as usize
    };
    // As the engine does: the scenario's closures, the home snapped for the person's own
    // profile, helpers on foot.
    let s = scenario("flood-daytime.toml");
    let closed = hazard_closures(
        &c.graph,
        &map.hazards,
        |k| s.zone_active(k),
        s.impassable_depth_m,
    );
    let walk = |p: &mimamori::model::Person| {
        let (profile, _) = profile_for(p.mobility);
        let snap = c
            .graph
            .snap_for(p.home, profile, &params, &Closures::none(&c.graph))
            .unwrap();
        let tree = one_to_many(
            &c.graph,
            Profile::Walk,
            &params,
            &s.conditions(),
            &closed,
            snap.node,
            Direction::Backward,
            15.0 * 60.0,
        );
        (tree, snap.distance_m)
    };
    let mut checked = BTreeMap::new();
    for u in &run.uncovered {
        let person = map.person(map.find_person(&u.person).unwrap());
        assert!(!u.reasons.is_empty());
        for r in &u.reasons {
            *checked.entry(r.code()).or_insert(0) += 1;
            match r {
                Reason::NoConsent => assert!(!person.consent.plan),
                Reason::OffNetwork { distance_m } => {
                    assert!(*distance_m > 300.0);
                    assert!(c.graph.snap(person.home).unwrap().off_network);
                }
                Reason::HelpersAtCapacity { helpers, free } => {
                    assert!(!helpers.is_empty());
                    assert!(
                        *free < person.helpers_needed as usize,
                        "{} free helpers would cover {}",
                        free,
                        u.person
                    );
                    for h in helpers {
                        assert!(
                            capacity_full(&h.id),
                            "{} is said to be full but is not",
                            h.id
                        );
                    }
                }
                Reason::SkillMissing { .. } => {
                    // No available, consenting, helper-role volunteer within 15 min walk has it.
                    let skill = skill_needed(person.mobility).unwrap();
                    let (tree, home_snap_m) = walk(person);
                    for v in &map.volunteers {
                        let vs = c
                            .graph
                            .snap_for(v.home, Profile::Walk, &params, &Closures::none(&c.graph))
                            .unwrap();
                        if tree
                            .secs(vs.node)
                            .is_some_and(|t| t + vs.distance_m + home_snap_m < 15.0 * 60.0 - 1.0)
                            && v.consent_named
                            && v.availability.weekday_day
                            && v.has_role(Role::Helper)
                        {
                            assert!(
                                !v.has_skill(skill),
                                "{} has {skill:?} and is near {}",
                                v.ext_id,
                                u.person
                            );
                        }
                    }
                }
                Reason::NoHelperInReach {
                    limit_secs,
                    nearest_secs,
                    nearest_straight_m,
                } => {
                    assert!(nearest_secs.is_none_or(|n| n > *limit_secs - 1e-6));
                    // The straight-line nearest helper, checked by scanning every helper.
                    let brute = map
                        .volunteers
                        .iter()
                        .filter(|v| v.has_role(Role::Helper) || v.has_role(Role::Commissioner))
                        .map(|v| v.home.distance_m(person.home))
                        .fold(f64::INFINITY, f64::min);
                    // Named only when closer than half a limit's walk (450 m at 1 m/s in 15 min).
                    match nearest_straight_m {
                        Some(d) => assert!(
                            (d - brute).abs() < brute * 0.005 + 1.0 && *d < 450.0,
                            "{d} vs {brute}"
                        ),
                        None => assert!(brute > 449.0, "a helper {brute} m away is not named"),
                    }
                }
                Reason::TooSlow {
                    evacuation_secs,
                    available_secs,
                } => assert!(evacuation_secs > available_secs),
                Reason::NotEnoughHelpers { needed, eligible } => {
                    assert!((*eligible as u8) < *needed)
                }
                _ => {}
            }
        }
    }
    assert!(
        checked.len() >= 4,
        "too few kinds of reasons exercised: {checked:?}"
    );
}

#[test]
fn the_winter_night_covers_visibly_fewer_people_and_says_why() {
    let day = &daytime().summary.total;
    let night = run(&scenario("flood-winter-night.toml")).summary.total;
    assert_eq!(day.people, night.people);
    assert!(
        night.covered * 10 < day.covered * 8,
        "night {} vs day {}",
        night.covered,
        day.covered
    );
    let grew = |code: &str| {
        night.by_reason.get(code).copied().unwrap_or(0)
            > day.by_reason.get(code).copied().unwrap_or(0)
    };
    assert!(
        grew("too_slow") || grew("no_helper_in_reach") || grew("nobody_available"),
        "{:?}",
        night.by_reason
    );
}

#[test]
fn the_same_input_gives_the_same_plans() {
    let map = load_map(&root().join("maps/sample-district")).unwrap();
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let s = Scenario::default();
    let a = plan(
        &map,
        &graph,
        &s,
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap();
    let b = plan(
        &map,
        &graph,
        &s,
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&a.plans).unwrap(),
        serde_json::to_string(&b.plans).unwrap()
    );
    assert!(
        a.plans.iter().any(|p| p.covered),
        "the sample district plans nobody"
    );
}

#[test]
fn an_unknown_volunteer_in_a_scenario_is_refused_by_name() {
    let map = load_map(&root().join("maps/sample-district")).unwrap();
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let s = Scenario {
        unavailable_volunteers: vec!["V99999".into()],
        ..Scenario::default()
    };
    let e = plan(
        &map,
        &graph,
        &s,
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap_err();
    assert!(e.to_string().contains("V99999"), "{e}");
    let _ = Skill::Car;
}

#[test]
fn the_written_outputs_are_valid_and_agree_with_each_other() {
    let map = load_map(&root().join("maps/sample-district")).unwrap();
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let run = plan(
        &map,
        &graph,
        &Scenario::default(),
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    mimamori::io::plan_out::write_run(tmp.path(), &run).unwrap();
    // plans.geojson passes the strict RFC 7946 reader, with one person point per plan.
    let text = std::fs::read_to_string(tmp.path().join("plans.geojson")).unwrap();
    let features =
        mimamori::io::geojson_in::read_feature_collection(&tmp.path().join("plans.geojson"), &text)
            .unwrap();
    let layer = |name: &str| {
        features
            .iter()
            .filter(|f| f.properties["layer"] == name)
            .count()
    };
    assert_eq!(layer("person"), run.plans.len());
    assert_eq!(
        layer("route"),
        run.plans.iter().filter(|p| p.route.len() >= 2).count()
    );
    // uncovered.csv: one row per uncovered person and reason.
    let mut rdr = csv::Reader::from_path(tmp.path().join("uncovered.csv")).unwrap();
    let rows = rdr.records().count();
    assert_eq!(
        rows,
        run.uncovered.iter().map(|u| u.reasons.len()).sum::<usize>()
    );
    // summary.json has the documented keys and agrees with plans.json.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    for key in [
        "people",
        "consented",
        "planned",
        "covered",
        "with_backup",
        "uncovered",
        "by_reason",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    let plans: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("plans.json")).unwrap())
            .unwrap();
    assert_eq!(summary["planned"].as_u64().unwrap() as usize, plans.len());
    let covered = plans.iter().filter(|p| p["covered"] == true).count();
    assert_eq!(summary["covered"].as_u64().unwrap() as usize, covered);
    for p in &plans {
        for key in [
            "person",
            "helpers",
            "destination",
            "route_length_m",
            "evacuation_secs",
            "method",
            "priority",
            "reasons",
            "warnings",
        ] {
            assert!(p.get(key).is_some(), "a plan lacks {key}");
        }
    }
}

#[test]
fn scenario_files_are_refused_with_the_line_or_field_at_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("s.toml");
    std::fs::write(
        &f,
        "name = \"x\"\nhazard = \"flood\"\nlead_time_minutes = 30\n",
    )
    .unwrap();
    let e = read_scenario(&f).unwrap_err().to_string();
    assert!(
        e.contains("s.toml:3:") && e.contains("lead_time_minutes"),
        "{e}"
    );
    std::fs::write(&f, "hazard = \"meteor\"\n").unwrap();
    let e = read_scenario(&f).unwrap_err().to_string();
    assert!(e.contains("s.toml:1:"), "{e}");
    std::fs::write(&f, "lead_time_min = -5\n").unwrap();
    let e = read_scenario(&f).unwrap_err().to_string();
    assert!(
        e.contains("field `lead_time_min`") && e.contains("-5"),
        "{e}"
    );
    // Every shipped scenario reads.
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        read_scenario(&entry.unwrap().path()).unwrap();
    }
}

#[test]
fn indexed_hazard_lookups_agree_with_testing_every_zone() {
    // The engine finds zones through an R-tree; `priority` tests every polygon.
    let (map, run) = (&city().map, daytime());
    for p in &run.plans {
        let person = map.person(map.find_person(&p.person).unwrap());
        assert_eq!(
            p.priority,
            mimamori::plan::engine::priority(map, person),
            "{}",
            p.person
        );
    }
    let index = mimamori::spatial::HazardIndex::new(&map.hazards);
    let mut rng = mimamori::rng::Rng::new(9);
    for _ in 0..2000 {
        let p = mimamori::model::LonLat::new(
            rng.range_f64(142.24, 142.50),
            rng.range_f64(43.68, 43.85),
        );
        let brute: Vec<_> = map
            .hazards
            .iter()
            .enumerate()
            .filter(|(_, z)| {
                geo::Intersects::intersects(&z.geometry, &geo::Point::new(p.lon, p.lat))
            })
            .map(|(i, _)| mimamori::model::HazardId(i as u32))
            .collect();
        assert_eq!(index.containing(&map.hazards, p), brute);
    }
}
