//! The planning engine on tiny hand-made towns: each reason and each method comes out exactly
//! when its facts hold, and not otherwise.

mod common;

use common::town::{self, LAT0, LON0, M_LAT, M_LON, at};
use mimamori::model::*;
use mimamori::network::{GraphParams, RoadGraph, Weather};
use mimamori::plan::engine::{PlanParams, PlanRun, plan};
use mimamori::plan::{EvacuationNeed, Method, Reason, Scenario, TimeOfDay};
use mimamori::spatial::Frame;
use time::macros::date;

/// A `n` × `n` street grid with 100 m blocks.
fn grid_roads(n: usize) -> Vec<Road> {
    town::grid_roads_at("", 0.0, n)
}

fn person_at(id: &str, x: f64, y: f64, mobility: Mobility) -> Person {
    town::person_in(0, id, x, y, mobility)
}

fn helper_at(id: &str, x: f64, y: f64, skills: &[Skill]) -> Volunteer {
    town::helper_in(0, id, x, y, skills)
}

fn shelter_at(id: &str, x: f64, y: f64, capacity: u32) -> Shelter {
    Shelter {
        capacity,
        ..town::shelter_at(id, x, y)
    }
}

fn square_zone(
    id: &str,
    kind: HazardKind,
    rank: Option<u8>,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
) -> HazardZone {
    let ring: Vec<(f64, f64)> = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .map(|(x, y)| {
            let p = at(*x, *y);
            (p.lon, p.lat)
        })
        .collect();
    HazardZone {
        ext_id: id.into(),
        arrival_min: None,
        duration_h: None,
        kind,
        depth_rank: rank.and_then(DepthRank::new),
        source: String::new(),
        geometry: geo::MultiPolygon(vec![geo::Polygon::new(ring.into(), vec![])]),
    }
}

/// A 6 × 6 town (500 m across) with one shelter in the north-east corner.
fn town() -> Map {
    Map {
        districts: vec![District {
            code: "T".into(),
            name: "町".into(),
            boundary: None,
            commissioner: String::new(),
        }],
        roads: grid_roads(6),
        shelters: vec![shelter_at("S", 500.0, 500.0, 1000)],
        ..Map::default()
    }
}

/// The default flood with an evacuation order for the whole town: people outside every zone
/// leave too, so the helper rules can be tested on a town without zones.
fn leave_all() -> Scenario {
    Scenario {
        evacuate_all: true,
        ..Scenario::default()
    }
}

fn run(map: &Map, scenario: &Scenario) -> PlanRun {
    let g = RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap();
    // The default shelter share (10%) would leave 100 seats of 1,000; plenty here.
    plan(
        map,
        &g,
        scenario,
        &PlanParams::default(),
        date!(2024 - 04 - 01),
    )
    .unwrap()
}

fn reasons(run: &PlanRun, id: &str) -> Vec<&'static str> {
    run.plans
        .iter()
        .find(|p| p.person == id)
        .unwrap()
        .reasons
        .iter()
        .map(Reason::code)
        .collect()
}

fn covered(run: &PlanRun, id: &str) -> bool {
    run.plans.iter().find(|p| p.person == id).unwrap().covered
}

#[test]
fn a_helper_next_door_covers_a_person_and_the_route_reaches_the_shelter() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::WalksWithHelp));
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[]));
    let r = run(&m, &leave_all());
    let p = &r.plans[0];
    assert!(p.covered, "{:?}", p.reasons);
    assert_eq!(p.helpers[0].id, "V");
    assert_eq!(p.destination.as_ref().unwrap().id, "S");
    // Slow walk: about 1 km of grid at 0.5 m/s.
    assert!(
        (p.route_length_m - 1000.0).abs() < 60.0,
        "{}",
        p.route_length_m
    );
    assert!((p.evacuation_secs - p.route_length_m / 0.5).abs() < 120.0);
}

#[test]
fn no_consent_means_no_plan_and_a_no_consent_reason() {
    let mut m = town();
    let mut p = person_at("P", 10.0, 20.0, Mobility::WalksAlone);
    p.consent.plan = false;
    m.people.push(p);
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[]));
    let r = run(&m, &leave_all());
    assert!(r.plans.is_empty());
    assert_eq!(r.uncovered[0].reasons, vec![Reason::NoConsent]);
}

#[test]
fn a_day_only_helper_leaves_the_person_uncovered_at_night() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::WalksAlone));
    let mut v = helper_at("V", 20.0, 10.0, &[]);
    v.availability = Availability {
        weekday_day: true,
        weekday_night: false,
        weekend_day: true,
        weekend_night: false,
    };
    m.volunteers.push(v);
    assert!(covered(&run(&m, &leave_all()), "P"));
    let night = Scenario {
        time_of_day: TimeOfDay::Night,
        ..leave_all()
    };
    assert_eq!(reasons(&run(&m, &night), "P"), ["nobody_available"]);
}

#[test]
fn wheelchair_training_is_a_warning_by_default_and_a_bar_when_the_district_says_so() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::Wheelchair));
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[Skill::Car]));
    // An untrained neighbour pushes the wheelchair; the plan says training is missing.
    let r = run(&m, &leave_all());
    assert!(covered(&r, "P"), "{:?}", r.plans[0].reasons);
    assert!(
        r.plans[0]
            .warnings
            .iter()
            .any(|w| w.code() == "no_wheelchair_training")
    );
    // A district that requires training: the untrained one is not eligible.
    let mut strict = PlanParams::default();
    strict.helpers.wheelchair_training_required = true;
    let g = RoadGraph::build(&m.roads, Frame::for_map(&m), GraphParams::default()).unwrap();
    let r = plan(&m, &g, &leave_all(), &strict, date!(2024 - 04 - 01)).unwrap();
    assert_eq!(reasons(&r, "P"), ["skill_missing"]);
    // A trained helper farther away: chosen under the strict rule, and no warning.
    m.volunteers
        .push(helper_at("W", 120.0, 10.0, &[Skill::Wheelchair]));
    let g = RoadGraph::build(&m.roads, Frame::for_map(&m), GraphParams::default()).unwrap();
    let r = plan(&m, &g, &leave_all(), &strict, date!(2024 - 04 - 01)).unwrap();
    assert!(covered(&r, "P"));
    assert_eq!(r.plans[0].helpers[0].id, "W");
    assert!(
        r.plans[0]
            .warnings
            .iter()
            .all(|w| w.code() != "no_wheelchair_training")
    );
}

#[test]
fn a_bedridden_person_needs_two_helpers_and_one_car() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::Bedridden));
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[Skill::Car]));
    assert_eq!(reasons(&run(&m, &leave_all()), "P"), ["not_enough_helpers"]);
    // A second helper without a car: one drives, the other helps carry.
    m.volunteers.push(helper_at("W", 110.0, 10.0, &[]));
    let r = run(&m, &leave_all());
    assert!(covered(&r, "P"), "{:?}", r.plans[0].reasons);
    assert_eq!(r.plans[0].method, Method::Car);
    assert_eq!(r.plans[0].primary_helpers().count(), 2);
    // Two helpers, neither with a car: nobody can drive.
    m.volunteers[0].skills.clear();
    let r = run(&m, &leave_all());
    match &r.plans[0].reasons[..] {
        [Reason::SkillMissing { skill, .. }] => assert_eq!(*skill, Skill::Car),
        other => panic!("{other:?}"),
    }
    // A district that asks both helpers for a car (the old rule) refuses the mixed pair.
    m.volunteers[0].skills = vec![Skill::Car];
    let mut both = PlanParams::default();
    both.helpers.vehicle_helpers = 2;
    let g = RoadGraph::build(&m.roads, Frame::for_map(&m), GraphParams::default()).unwrap();
    let r = plan(&m, &g, &leave_all(), &both, date!(2024 - 04 - 01)).unwrap();
    assert!(!covered(&r, "P"));
}

#[test]
fn one_helper_for_two_people_covers_the_higher_priority_and_names_whom_for_the_other() {
    let mut m = town();
    m.people
        .push(person_at("A", 10.0, 20.0, Mobility::WalksAlone));
    m.people
        .push(person_at("B", 30.0, 20.0, Mobility::Wheelchair));
    m.volunteers
        .push(helper_at("V", 20.0, 10.0, &[Skill::Wheelchair]));
    let r = run(&m, &leave_all());
    // The wheelchair user scores higher (need × 2.0 against × 1.0).
    assert!(covered(&r, "B"));
    let a = r.plans.iter().find(|p| p.person == "A").unwrap();
    match &a.reasons[..] {
        [
            Reason::HelpersAtCapacity {
                helpers, free: 0, ..
            },
        ] => {
            assert_eq!(helpers[0].id, "V");
            assert_eq!(helpers[0].helps, ["B"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_helper_beyond_fifteen_minutes_is_out_of_reach_and_the_sentence_says_how_far() {
    let mut m = town();
    m.roads = grid_roads(12); // 1.1 km across
    m.shelters = vec![shelter_at("S", 0.0, 100.0, 1000)];
    m.people
        .push(person_at("P", 0.0, 10.0, Mobility::WalksAlone));
    m.volunteers.push(helper_at("V", 1100.0, 1100.0, &[]));
    let r = run(&m, &leave_all());
    match &r.plans[0].reasons[..] {
        [
            Reason::NoHelperInReach {
                nearest_secs: Some(s),
                ..
            },
        ] => assert!(*s > 15.0 * 60.0, "{s}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_shallow_flood_with_an_upper_floor_means_staying_upstairs_but_not_in_a_collapse_zone() {
    let mut m = town();
    let mut p = person_at("P", 210.0, 220.0, Mobility::WalksWithHelp);
    p.building = Building {
        floors: 2,
        bedroom_floor: 1,
        structure: Structure::Wood,
    };
    m.people.push(p);
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[]));
    m.hazards.push(square_zone(
        "F",
        HazardKind::RiverFlood,
        Some(2),
        150.0,
        150.0,
        350.0,
        350.0,
    ));
    let r = run(&m, &Scenario::default());
    let plan = &r.plans[0];
    assert_eq!(plan.method, Method::StayUpstairs);
    assert!(plan.covered);
    // 0.5-3 m: the second floor is dry; the bedroom is on the first.
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.code() == "bedroom_below_safe_floor")
    );
    // A bungalow cannot stay.
    m.people[0].building.floors = 1;
    assert_ne!(
        run(&m, &Scenario::default()).plans[0].method,
        Method::StayUpstairs
    );
    // Nor can a two-storey house where houses may be swept away.
    m.people[0].building.floors = 2;
    m.hazards.push(square_zone(
        "HC",
        HazardKind::HouseCollapse,
        None,
        150.0,
        150.0,
        350.0,
        350.0,
    ));
    assert_ne!(
        run(&m, &Scenario::default()).plans[0].method,
        Method::StayUpstairs
    );
}

/// A town with a 3-5 m flood zone over its south-west quarter and a person in it.
fn deep_town() -> Map {
    let mut m = town();
    m.people
        .push(person_at("P", 110.0, 120.0, Mobility::WalksWithHelp));
    m.volunteers.push(helper_at("V", 120.0, 10.0, &[]));
    m.hazards.push(square_zone(
        "F",
        HazardKind::RiverFlood,
        Some(3),
        -50.0,
        -50.0,
        250.0,
        250.0,
    ));
    m
}

fn lead(min: f64) -> Scenario {
    Scenario {
        lead_time_min: min,
        ..Scenario::default()
    }
}

#[test]
fn a_person_deep_in_a_zone_leaves_in_time_with_three_hours_of_lead() {
    let r = run(&deep_town(), &lead(180.0));
    let p = &r.plans[0];
    assert_eq!(p.evacuation_need, EvacuationNeed::Leave);
    assert!(p.covered, "{:?}", p.reasons);
    assert_eq!(p.helpers[0].id, "V");
    // Water reaches the 3-5 m zone 20 min after the overflow (default model); every segment
    // in the zone must be left 30 min before that.
    let water = p.water_arrives_min.unwrap();
    assert!((water - 200.0).abs() < 1e-9, "{water}");
    let (leave_by, depart, slack) = (
        p.leave_by_min.unwrap(),
        p.departure_min.unwrap(),
        p.slack_min.unwrap(),
    );
    assert!(leave_by < water - 30.0 + 1e-9, "{leave_by}");
    assert!(depart <= leave_by && (slack - (leave_by - depart)).abs() < 1e-9);
    // The helper is warned at 10 min and walks about 110 m: departure = arrival + 15 min prep.
    let arrival = 10.0 + p.helpers[0].travel_secs / 60.0;
    assert!(
        (depart - (arrival + 15.0)).abs() < 1e-6,
        "{depart} {arrival}"
    );
}

#[test]
fn the_same_person_with_ten_minutes_of_lead_has_no_safe_route_and_the_time_is_named() {
    let r = run(&deep_town(), &lead(10.0));
    let p = &r.plans[0];
    assert!(!p.covered);
    match &p.reasons[..] {
        [
            Reason::NoSafeRoute {
                water_min: Some(w),
                depart_min,
                margin_min,
            },
        ] => {
            assert!((w - 30.0).abs() < 1e-9, "{w}");
            assert!((depart_min - 25.0).abs() < 1e-9, "{depart_min}");
            assert_eq!(*margin_min, 30.0);
        }
        other => panic!("{other:?}"),
    }
    let ja = p.reasons[0].sentence(Lang::Ja);
    assert!(ja.contains("30分後"), "{ja}");
    assert!(r.uncovered.iter().any(|u| u.person == "P"));
}

#[test]
fn a_person_outside_every_zone_stays_home_with_nobody_drafted_and_is_not_uncovered() {
    let mut m = deep_town();
    m.people
        .push(person_at("Q", 450.0, 450.0, Mobility::Wheelchair));
    let r = run(&m, &lead(180.0));
    let q = r.plans.iter().find(|p| p.person == "Q").unwrap();
    assert_eq!(q.evacuation_need, EvacuationNeed::StayHome);
    assert!(q.helpers.is_empty() && q.destination.is_none() && q.route.is_empty());
    assert!(!q.needs_help && q.covered);
    assert!(r.uncovered.iter().all(|u| u.person != "Q"));
    assert_eq!(r.summary.total.by_need["stay_home"], 1);
    assert_eq!(r.summary.total.by_need["leave"], 1);
    assert_eq!(r.summary.total.need_help, 1);
    // An evacuation order for the whole area sends them too.
    let all = Scenario {
        evacuate_all: true,
        ..lead(180.0)
    };
    let r = run(&m, &all);
    let q = r.plans.iter().find(|p| p.person == "Q").unwrap();
    assert_eq!(q.evacuation_need, EvacuationNeed::Leave);
}

#[test]
fn a_facility_resident_is_listed_not_planned_and_not_uncovered() {
    let mut m = deep_town();
    m.people[0].household = Household::Facility;
    let r = run(&m, &lead(10.0));
    let p = &r.plans[0];
    assert_eq!(p.evacuation_need, EvacuationNeed::Facility);
    assert!(p.helpers.is_empty() && p.destination.is_none());
    assert!(r.uncovered.is_empty());
    assert_eq!(r.summary.total.by_need["facility"], 1);
    assert_eq!(r.summary.total.uncovered, 0);
}

#[test]
fn a_person_who_needs_help_upstairs_gets_a_helper_or_is_uncovered_with_the_reason() {
    let mut m = town();
    let mut p = person_at("P", 210.0, 220.0, Mobility::Wheelchair);
    p.building.floors = 2;
    m.people.push(p);
    m.hazards.push(square_zone(
        "F",
        HazardKind::RiverFlood,
        Some(2),
        150.0,
        150.0,
        350.0,
        350.0,
    ));
    // No helper: uncovered, and the reason names the missing helper.
    let r = run(&m, &Scenario::default());
    let plan = &r.plans[0];
    assert_eq!(plan.evacuation_need, EvacuationNeed::Upstairs);
    assert!(plan.needs_help && !plan.covered);
    assert_eq!(reasons(&r, "P"), ["no_helper_in_reach"]);
    // Two neighbours (a wheelchair user is carried up by two): covered, both named.
    m.volunteers.push(helper_at("V", 220.0, 110.0, &[]));
    m.volunteers.push(helper_at("W", 110.0, 220.0, &[]));
    let r = run(&m, &Scenario::default());
    let plan = &r.plans[0];
    assert!(plan.covered, "{:?}", plan.reasons);
    assert_eq!(plan.method, Method::StayUpstairs);
    assert_eq!(plan.primary_helpers().count(), 2);
    assert!(plan.destination.is_none());
    // Be up before the water (rank 2: 45 min after the 180 min overflow), with the margin.
    assert!((plan.leave_by_min.unwrap() - (225.0 - 30.0)).abs() < 1e-9);
    // Someone who sleeps upstairs at night needs nobody.
    m.people[0].building.bedroom_floor = 2;
    let night = Scenario {
        time_of_day: TimeOfDay::Night,
        ..Scenario::default()
    };
    let plan = &run(&m, &night).plans[0];
    assert_eq!(plan.evacuation_need, EvacuationNeed::Upstairs);
    assert!(!plan.needs_help && plan.helpers.is_empty());
}

#[test]
fn a_route_that_would_cross_a_segment_after_it_closes_takes_a_later_closing_detour() {
    // The person lives in a shallow zone on the west edge that floods late; the shelter is
    // due east. The straight way east crosses a deep zone on the middle row that floods at
    // the overflow; the detour along the north edge stays dry.
    let mut m = town();
    m.shelters = vec![shelter_at("S", 500.0, 200.0, 1000)];
    m.people
        .push(person_at("P", 0.0, 210.0, Mobility::WalksAlone));
    m.volunteers.push(helper_at("V", 10.0, 310.0, &[]));
    let mut home = square_zone(
        "H",
        HazardKind::RiverFlood,
        Some(2),
        -30.0,
        150.0,
        30.0,
        250.0,
    );
    home.arrival_min = Some(120.0);
    m.hazards.push(home);
    let mut deep = square_zone(
        "D",
        HazardKind::RiverFlood,
        Some(4),
        150.0,
        -50.0,
        350.0,
        380.0,
    );
    deep.arrival_min = Some(0.0);
    m.hazards.push(deep);
    // With 200 min of lead, the deep zone is still open when the person passes: straight.
    let early = run(&m, &lead(200.0));
    let straight = early.plans[0].route_length_m;
    assert!(early.plans[0].covered, "{:?}", early.plans[0].reasons);
    assert!((straight - 520.0).abs() < 40.0, "{straight}");
    // With 30 min of lead, it closes at 30 min: the route goes round it to the north.
    let late = run(&m, &lead(30.0));
    let p = &late.plans[0];
    assert!(p.covered, "{:?}", p.reasons);
    assert!(p.route_length_m > straight + 300.0, "{}", p.route_length_m);
    // Every route point stays out of the deep zone's interior.
    for c in &p.route {
        let (x, y) = ((c.lon - LON0) / M_LON, (c.lat - LAT0) / M_LAT);
        assert!(!(x > 151.0 && x < 349.0 && y < 379.0), "({x:.0}, {y:.0})");
    }
}

#[test]
fn helpers_go_first_to_people_who_must_leave() {
    // One helper; a wheelchair user who must leave (a bungalow in a 0.5-3 m zone) and one who
    // could stay upstairs with help (a two-storey house in the same zone), equal otherwise.
    let mut m = town();
    let leave = person_at("A", 210.0, 220.0, Mobility::WalksWithHelp);
    let mut stay = person_at("B", 230.0, 220.0, Mobility::WalksWithHelp);
    stay.building.floors = 2;
    m.people.extend([leave, stay]);
    m.volunteers.push(helper_at("V", 220.0, 110.0, &[]));
    m.hazards.push(square_zone(
        "F",
        HazardKind::RiverFlood,
        Some(2),
        150.0,
        150.0,
        350.0,
        350.0,
    ));
    let r = run(&m, &Scenario::default());
    let a = r.plans.iter().find(|p| p.person == "A").unwrap();
    let b = r.plans.iter().find(|p| p.person == "B").unwrap();
    assert_eq!(a.evacuation_need, EvacuationNeed::Leave);
    assert_eq!(b.evacuation_need, EvacuationNeed::Upstairs);
    assert!(a.covered && !b.covered);
}

#[test]
fn a_full_shelter_and_an_outdoor_site_in_snow_leave_no_destination() {
    let mut m = town();
    m.shelters[0].capacity = 5; // 10% reserved: one seat
    m.people
        .push(person_at("A", 10.0, 20.0, Mobility::WalksAlone));
    m.people
        .push(person_at("B", 30.0, 20.0, Mobility::Wheelchair));
    m.volunteers
        .push(helper_at("V", 20.0, 10.0, &[Skill::Wheelchair]));
    m.volunteers
        .push(helper_at("W", 40.0, 10.0, &[Skill::Wheelchair]));
    let r = run(&m, &leave_all());
    assert!(covered(&r, "B"));
    assert_eq!(reasons(&r, "A"), ["destinations_full"]);
    m.shelters[0].capacity = 1000;
    m.shelters[0].indoor = false;
    let snow = Scenario {
        weather: Weather::Snow,
        ..leave_all()
    };
    assert_eq!(reasons(&run(&m, &snow), "A"), ["no_destination"]);
}

#[test]
fn a_home_far_from_any_road_is_off_the_network() {
    let mut m = town();
    m.people
        .push(person_at("P", -800.0, 20.0, Mobility::WalksAlone));
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[]));
    match &run(&m, &leave_all()).plans[0].reasons[..] {
        [
            Reason::OffNetwork {
                distance_m: Some(d),
            },
        ] => assert!((*d - 800.0).abs() < 30.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn priority_multiplies_hazard_need_and_household_into_bands() {
    let mut m = town();
    m.hazards.push(square_zone(
        "F",
        HazardKind::RiverFlood,
        Some(3),
        0.0,
        0.0,
        100.0,
        100.0,
    ));
    let mut high = person_at("H", 50.0, 50.0, Mobility::Bedridden);
    high.needs.push(Need::Oxygen);
    let mut low = person_at("L", 400.0, 400.0, Mobility::WalksAlone);
    low.household = Household::WithFamily;
    let ph = mimamori::plan::engine::priority(&m, &high);
    let pl = mimamori::plan::engine::priority(&m, &low);
    // 3 (3-5 m) × 2.5 (bedridden) × 1.5 (oxygen) × 1.5 (alone); 1 × 1 × 1.
    assert!(
        (ph.score - 3.0 * 2.5 * 1.5 * 1.5).abs() < 1e-9,
        "{}",
        ph.score
    );
    assert_eq!(ph.band, mimamori::plan::Band::High);
    assert_eq!(pl.score, 1.0);
    assert_eq!(pl.band, mimamori::plan::Band::Low);
    assert!(ph.factors.iter().any(|f| f.ja.contains("浸水深")));
    assert!(ph.weight > pl.weight);
}

#[test]
fn a_helper_just_across_a_river_without_a_bridge_is_named_as_blocked() {
    let mut m = town();
    // A 12 × 12 grid whose north-south streets are cut between y = 500 and 600 (a river),
    // except the easternmost one (the only bridge, 1.1 km away).
    m.roads = grid_roads(12)
        .into_iter()
        .flat_map(|r| {
            let is_ns = r.ext_id.starts_with('V') && r.ext_id != "V11";
            if !is_ns {
                return vec![r];
            }
            let south = Road {
                ext_id: format!("{}s", r.ext_id),
                coords: r.coords[..6].to_vec(),
                ..r.clone()
            };
            let north = Road {
                ext_id: format!("{}n", r.ext_id),
                coords: r.coords[6..].to_vec(),
                ..r
            };
            vec![south, north]
        })
        .collect();
    m.shelters = vec![shelter_at("S", 0.0, 300.0, 1000)];
    m.people
        .push(person_at("P", 100.0, 490.0, Mobility::WalksAlone));
    m.volunteers.push(helper_at("V", 100.0, 610.0, &[]));
    let r = run(&m, &leave_all());
    match &r.plans[0].reasons[..] {
        [
            Reason::NoHelperInReach {
                nearest_straight_m: Some(d),
                ..
            },
        ] => assert!((*d - 120.0).abs() < 15.0, "{d}"),
        other => panic!("{other:?}"),
    }
    assert!(
        r.plans[0].reasons[0]
            .sentence(Lang::En)
            .contains("in a straight line")
    );
}

/// A watch record: `v` visited `p` on `date`.
fn record(m: &Map, p: &str, v: &str, date: time::Date) -> WatchRecord {
    WatchRecord {
        date,
        person: m.find_person(p).unwrap(),
        volunteer: m.find_volunteer(v).unwrap(),
        method: WatchMethod::ALL[0],
        outcome: WatchOutcome::ALL[0],
        concern: None,
        referral: None,
    }
}

#[test]
fn the_main_watcher_is_chosen_over_a_nearer_stranger() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::WalksWithHelp));
    m.volunteers.push(helper_at("NEAR", 20.0, 10.0, &[]));
    m.volunteers.push(helper_at("WATCHER", 300.0, 300.0, &[]));
    m.volunteers.push(helper_at("SOMETIMES", 200.0, 100.0, &[]));
    // The stranger next door wins while nobody watches the person.
    assert_eq!(run(&m, &leave_all()).plans[0].helpers[0].id, "NEAR");
    for d in [
        date!(2023 - 06 - 01),
        date!(2023 - 09 - 01),
        date!(2024 - 01 - 10),
    ] {
        let r = record(&m, "P", "WATCHER", d);
        m.records.push(r);
    }
    let r = record(&m, "P", "SOMETIMES", date!(2023 - 10 - 01));
    m.records.push(r);
    let r = run(&m, &leave_all());
    let p = &r.plans[0];
    assert_eq!(p.main_watcher.as_deref(), Some("WATCHER"));
    assert_eq!(p.helpers[0].id, "WATCHER", "{:?}", p.helpers);
    // The occasional watcher is preferred to the stranger as the backup.
    assert_eq!(p.backup_helper().map(|h| h.id.as_str()), Some("SOMETIMES"));
    // Coverage still comes first: with one more person only NEAR can reach in time... here
    // both can, so the watcher keeps P and the stranger takes the other.
    m.people
        .push(person_at("Q", 30.0, 20.0, Mobility::WalksWithHelp));
    let r = run(&m, &leave_all());
    assert!(r.plans.iter().all(|p| p.covered));
    assert_eq!(r.plans[0].helpers[0].id, "WATCHER");
}

#[test]
fn a_caretaker_is_chosen_when_the_only_one_in_reach_and_a_coordinator_helps_one_person() {
    let mut m = town();
    m.people
        .push(person_at("P", 10.0, 20.0, Mobility::WalksWithHelp));
    let mut c = helper_at("C", 20.0, 10.0, &[]);
    c.roles = vec![Role::Caretaker];
    m.volunteers.push(c);
    let r = run(&m, &leave_all());
    assert!(covered(&r, "P"), "{:?}", r.plans[0].reasons);
    assert_eq!(r.plans[0].helpers[0].id, "C");
    // A coordinator with capacity 3 escorts one person at most (roles.coordinator).
    m.volunteers[0].roles = vec![Role::Coordinator];
    m.volunteers[0].capacity = 3;
    m.people
        .push(person_at("Q", 30.0, 20.0, Mobility::WalksWithHelp));
    let r = run(&m, &leave_all());
    assert_eq!(r.plans.iter().filter(|p| p.covered).count(), 1);
    // A district that does not let coordinators help.
    let mut p = PlanParams::default();
    p.helpers.roles.coordinator.eligible = false;
    let g = RoadGraph::build(&m.roads, Frame::for_map(&m), GraphParams::default()).unwrap();
    let r = plan(&m, &g, &leave_all(), &p, date!(2024 - 04 - 01)).unwrap();
    assert!(r.plans.iter().all(|p| !p.covered));
}

fn plan_of<'a>(r: &'a PlanRun, id: &str) -> &'a mimamori::plan::Plan {
    r.plans.iter().find(|p| p.person == id).unwrap()
}

fn primaries(r: &PlanRun, id: &str) -> Vec<String> {
    plan_of(r, id)
        .primary_helpers()
        .map(|h| h.id.clone())
        .collect()
}

fn run_with(
    map: &Map,
    scenario: &Scenario,
    params: &PlanParams,
    previous: Option<&mimamori::plan::Previous>,
) -> PlanRun {
    let g = RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap();
    mimamori::plan::engine::plan_with_progress(
        map,
        &g,
        scenario,
        params,
        date!(2024 - 04 - 01),
        previous,
        &mut |_, _| {},
    )
    .unwrap()
}

#[test]
fn family_at_home_is_the_first_helper_and_a_neighbour_backs_them_up_or_fills_in() {
    let mut m = town();
    let mut p = person_at("P", 10.0, 20.0, Mobility::WalksWithHelp);
    p.household = Household::WithFamily;
    // A working family member: at home at night and on weekends, away on weekdays by day.
    p.family_helper = Some(Availability {
        weekday_day: false,
        ..Availability::ALWAYS
    });
    m.people.push(p);
    m.volunteers.push(helper_at("V", 20.0, 10.0, &[]));
    // Weekday by day: the family member is away, the neighbour is the helper.
    let r = run(&m, &leave_all());
    let plan = plan_of(&r, "P");
    assert!(plan.covered && !plan.family_helper);
    assert_eq!(primaries(&r, "P"), ["V"]);
    // A weekend: the family helps, the neighbour is the backup, nobody else is needed.
    let weekend = Scenario {
        weekend: true,
        ..leave_all()
    };
    let r = run(&m, &weekend);
    let plan = plan_of(&r, "P");
    assert!(plan.covered && plan.family_helper, "{:?}", plan.reasons);
    assert!(primaries(&r, "P").is_empty());
    assert_eq!(plan.backup_helper().map(|h| h.id.as_str()), Some("V"));
    // The district can switch the rule off.
    let mut off = PlanParams::default();
    off.helpers.family_first = false;
    let r = run_with(&m, &weekend, &off, None);
    assert!(!plan_of(&r, "P").family_helper);
    assert_eq!(primaries(&r, "P"), ["V"]);
    // A bedridden person with family at home still needs one neighbour, with a car.
    m.people[0].mobility = Mobility::Bedridden;
    m.people[0].helpers_needed = 2;
    m.volunteers[0].skills = vec![Skill::Car];
    let r = run(&m, &weekend);
    let plan = plan_of(&r, "P");
    assert!(plan.covered && plan.family_helper, "{:?}", plan.reasons);
    assert_eq!(primaries(&r, "P"), ["V"]);
    // Without the car nobody can drive: uncovered, with the reason.
    m.volunteers[0].skills.clear();
    assert_eq!(reasons(&run(&m, &weekend), "P"), ["skill_missing"]);
}

/// Grid (Manhattan) distance between two points of the 100 m grid towns, metres.
fn grid_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).abs() + (a.1 - b.1).abs()
}

/// The round town's helper V at (100, 0) visiting A at (0, 100) and B at (400, 0) in the given
/// order, timed independently of the engine from grid distances and the plans' own
/// preparation and trip times: (arrival, safe) at the first stop, then at the second.
fn two_stops(r: &PlanRun, params: &PlanParams, first: &str, second: &str) -> (f64, f64, f64, f64) {
    let walk = params.routing.walk.flat_mps;
    let warn = params.timing.warning_min * 60.0;
    let home = |id: &str| {
        if id == "A" {
            (0.0, 100.0)
        } else {
            (400.0, 0.0)
        }
    };
    let (shelter, helper) = ((500.0, 500.0), (100.0, 0.0));
    let (p1, p2) = (plan_of(r, first), plan_of(r, second));
    let a1 = warn + grid_m(helper, home(first)) / walk;
    let s1 = a1 + p1.preparation_secs + p1.evacuation_secs;
    let a2 = s1 + grid_m(shelter, home(second)) / walk;
    let s2 = a2 + p2.preparation_secs + p2.evacuation_secs;
    (a1, s1, a2, s2)
}

#[test]
fn one_helper_visits_two_people_in_the_best_order_with_times_that_add_up() {
    let mut m = town();
    // Both at street corners (homes snap to the nearest corner), so every walk is a grid
    // distance.
    m.people
        .push(person_at("A", 0.0, 100.0, Mobility::WalksWithHelp));
    m.people
        .push(person_at("B", 400.0, 0.0, Mobility::WalksWithHelp));
    let mut v = helper_at("V", 100.0, 0.0, &[]);
    v.capacity = 2;
    m.volunteers.push(v);
    let params = PlanParams::default();
    let r = run(&m, &leave_all());
    assert_eq!(primaries(&r, "A"), ["V"]);
    assert_eq!(primaries(&r, "B"), ["V"]);
    assert_eq!(r.summary.helpers_with_rounds, 1);
    let timed = |first: &str, second: &str| two_stops(&r, &params, first, second);
    let (ab, ba) = (timed("A", "B"), timed("B", "A"));
    let (first, second, t) = if ab.1 + ab.3 <= ba.1 + ba.3 {
        ("A", "B", ab)
    } else {
        ("B", "A", ba)
    };
    let h1 = &plan_of(&r, first).helpers[0];
    let h2 = &plan_of(&r, second).helpers[0];
    assert_eq!((h1.order, h2.order), (Some(1), Some(2)));
    let close = |got: Option<f64>, want: f64| (got.unwrap() - want).abs() < 1.0;
    assert!(close(h1.arrive_secs, t.0), "{:?} {}", h1.arrive_secs, t.0);
    assert!(close(h1.safe_secs, t.1), "{:?} {}", h1.safe_secs, t.1);
    assert!(close(h2.arrive_secs, t.2), "{:?} {}", h2.arrive_secs, t.2);
    assert!(close(h2.safe_secs, t.3), "{:?} {}", h2.safe_secs, t.3);
    // The second person leaves when the helper arrives and has prepared them, before leave_by.
    let p2 = plan_of(&r, second);
    assert!(close(
        p2.departure_min.map(|m| m * 60.0),
        t.2 + p2.preparation_secs
    ));
    assert!(p2.departure_min.unwrap() <= p2.leave_by_min.unwrap() + 1e-6);
}

#[test]
fn a_round_that_cannot_be_done_before_the_deadline_is_split_between_two_helpers() {
    let mut m = town();
    m.people
        .push(person_at("A", 0.0, 100.0, Mobility::WalksWithHelp));
    m.people
        .push(person_at("B", 400.0, 0.0, Mobility::WalksWithHelp));
    let mut v = helper_at("V", 100.0, 0.0, &[]);
    v.capacity = 2;
    m.volunteers.push(v);
    // W walks 300 m to A and 800 m to B against V's 200 m and 300 m, so V takes both while
    // the round fits, and A is W's when it does not.
    m.volunteers.push(helper_at("W", 0.0, 400.0, &[]));
    let long = leave_all();
    let r = run(&m, &long);
    assert_eq!(primaries(&r, "A"), ["V"]);
    assert_eq!(primaries(&r, "B"), ["V"]);
    // A lead time that ends before V's round could in either order: the round splits, both
    // still covered.
    let params = PlanParams::default();
    let done = two_stops(&r, &params, "A", "B")
        .3
        .min(two_stops(&r, &params, "B", "A").3);
    let short = Scenario {
        lead_time_min: (done / 60.0 - 5.0).floor(),
        ..leave_all()
    };
    let r = run(&m, &short);
    assert!(covered(&r, "A") && covered(&r, "B"), "{:?}", r.uncovered);
    let mut who = [primaries(&r, "A"), primaries(&r, "B")].concat();
    who.sort();
    assert_eq!(who, ["V", "W"]);
    assert_eq!(r.helpers.removed_pairs.len(), 1);
    assert!(
        r.plans
            .iter()
            .flat_map(|p| &p.helpers)
            .all(|h| h.order != Some(2))
    );
}

#[test]
fn a_backup_who_is_already_full_is_chosen_only_when_nobody_else_can_and_the_plan_says_so() {
    let mut m = town();
    m.people
        .push(person_at("A", 0.0, 40.0, Mobility::WalksWithHelp));
    m.people
        .push(person_at("B", 40.0, 0.0, Mobility::WalksWithHelp));
    m.volunteers.push(helper_at("V", 100.0, 0.0, &[]));
    m.volunteers.push(helper_at("W", 0.0, 100.0, &[]));
    let r = run(&m, &leave_all());
    for id in ["A", "B"] {
        let p = plan_of(&r, id);
        assert!(p.covered);
        let busy: Vec<_> = p
            .warnings
            .iter()
            .filter(|w| w.code() == "backup_busy")
            .collect();
        assert_eq!(busy.len(), 1, "{id}: {:?}", p.warnings);
        let other = if id == "A" { "B" } else { "A" };
        let backup = p.backup_helper().unwrap().id.clone();
        assert_eq!(primaries(&r, other), std::slice::from_ref(&backup));
        match &r.explanations[id]
            .helpers
            .iter()
            .find(|c| c.id == backup)
            .unwrap()
            .status
        {
            mimamori::plan::engine::HelperStatus::Backup { busy_with } => {
                assert_eq!(busy_with, &[other.to_owned()])
            }
            s => panic!("{s:?}"),
        }
    }
    assert_eq!(r.summary.backup_busy, 2);
    // A third, free helper farther away is preferred as everyone's backup... within capacity
    // one: one person gets the free helper, the other a busy one.
    m.volunteers.push(helper_at("X", 100.0, 100.0, &[]));
    let r = run(&m, &leave_all());
    assert_eq!(r.summary.backup_busy, 1);
    // With backup capacity 2 the free helper backs both up.
    let mut two = PlanParams::default();
    two.helpers.backup_capacity = 2;
    let r = run_with(&m, &leave_all(), &two, None);
    assert_eq!(r.summary.backup_busy, 0);
    for id in ["A", "B"] {
        assert_eq!(plan_of(&r, id).backup_helper().unwrap().id, "X");
    }
}

#[test]
fn pins_are_followed_when_feasible_and_reported_when_not() {
    let mut m = town();
    m.shelters.push(shelter_at("S2", 0.0, 500.0, 1000));
    m.people
        .push(person_at("A", 0.0, 40.0, Mobility::WalksWithHelp));
    m.volunteers.push(helper_at("NEAR", 0.0, 0.0, &[]));
    m.volunteers.push(helper_at("FAR", 300.0, 300.0, &[]));
    m.volunteers.push(helper_at("AWAY", 2000.0, 2000.0, &[]));
    let r = run(&m, &leave_all());
    assert_eq!(primaries(&r, "A"), ["NEAR"]);
    let nearest = plan_of(&r, "A").destination.as_ref().unwrap().id.clone();
    let other = if nearest == "S" { "S2" } else { "S" };
    // Pin the farther helper and the other shelter.
    m.pins.push(Pin {
        person: m.find_person("A").unwrap(),
        helper: m.find_volunteer("FAR"),
        destination: m
            .shelters
            .iter()
            .position(|s| s.ext_id == other)
            .map(|i| ShelterId(i as u32)),
        note: String::new(),
    });
    let r = run(&m, &leave_all());
    let p = plan_of(&r, "A");
    assert_eq!(primaries(&r, "A"), ["FAR"]);
    assert_eq!(p.destination.as_ref().unwrap().id, other);
    assert!(p.warnings.iter().all(|w| w.code() != "pin_not_followed"));
    assert_eq!(
        (r.summary.pins_followed, r.summary.pins_not_followed),
        (2, 0)
    );
    // A helper out of reach cannot be followed: said so, and the plan is made anyway.
    m.pins[0].helper = m.find_volunteer("AWAY");
    let r = run(&m, &leave_all());
    let p = plan_of(&r, "A");
    assert!(p.covered);
    assert_eq!(primaries(&r, "A"), ["NEAR"]);
    assert!(
        p.warnings.iter().any(
            |w| matches!(w, mimamori::plan::Warning::PinNotFollowed { id, .. } if id == "AWAY")
        )
    );
    assert_eq!(
        (r.summary.pins_followed, r.summary.pins_not_followed),
        (1, 1)
    );
    // A pinned shelter not designated for floods is refused with the reason.
    let i = m.shelters.iter().position(|s| s.ext_id == other).unwrap();
    m.shelters[i].hazards = [HazardType::Earthquake].into_iter().collect();
    let r = run(&m, &leave_all());
    let p = plan_of(&r, "A");
    assert_eq!(p.destination.as_ref().unwrap().id, nearest);
    assert!(p.warnings.iter().any(|w| matches!(
        w,
        mimamori::plan::Warning::PinNotFollowed { kind, .. } if *kind == mimamori::plan::PinKind::Destination
    )));
}

#[test]
fn a_plan_stays_put_on_its_own_output_and_a_withdrawn_helper_moves_only_their_people() {
    let mut m = town();
    for (i, (x, y)) in [
        (0.0, 40.0),
        (40.0, 0.0),
        (200.0, 40.0),
        (300.0, 0.0),
        (0.0, 240.0),
    ]
    .iter()
    .enumerate()
    {
        m.people
            .push(person_at(&format!("P{i}"), *x, *y, Mobility::WalksWithHelp));
    }
    for (i, (x, y)) in [(100.0, 0.0), (0.0, 100.0), (200.0, 100.0), (300.0, 300.0)]
        .iter()
        .enumerate()
    {
        let mut v = helper_at(&format!("V{i}"), *x, *y, &[]);
        v.capacity = 2;
        m.volunteers.push(v);
    }
    let params = PlanParams::default();
    let first = run(&m, &leave_all());
    let prev = mimamori::plan::Previous::from_plans(&first.plans);
    let again = run_with(&m, &leave_all(), &params, Some(&prev));
    assert_eq!(again.summary.changed, Some(0));
    for p in &first.plans {
        assert_eq!(primaries(&again, &p.person), primaries(&first, &p.person));
    }
    // The helper with the most people withdraws.
    let busiest = (0..4)
        .map(|i| format!("V{i}"))
        .max_by_key(|v| {
            first
                .plans
                .iter()
                .filter(|p| p.primary_helpers().any(|h| &h.id == v))
                .count()
        })
        .unwrap();
    let served: Vec<String> = first
        .plans
        .iter()
        .filter(|p| p.primary_helpers().any(|h| h.id == busiest))
        .map(|p| p.person.clone())
        .collect();
    let without = Scenario {
        unavailable_volunteers: vec![busiest.clone()],
        ..leave_all()
    };
    let after = run_with(&m, &without, &params, Some(&prev));
    let changed: Vec<String> = first
        .plans
        .iter()
        .filter(|p| primaries(&after, &p.person) != primaries(&first, &p.person))
        .map(|p| p.person.clone())
        .collect();
    // Everyone the withdrawn helper served changed; the others only if displaced by them.
    for s in &served {
        assert!(changed.contains(s), "{s} {changed:?}");
    }
    assert_eq!(after.summary.changed, Some(changed.len()));
    assert_eq!(
        after
            .summary
            .changed_by_reason
            .get("helper_cannot_come")
            .copied(),
        Some(served.len())
    );
}

/// A district walking at 0.8 of the routing speeds in real drills (`drill.walk_factor`, as
/// `drill compare` writes it): its people on foot take 1/0.8 as long on the same route; a car
/// is not slowed; another district's factor changes nothing.
#[test]
fn a_calibrated_walking_factor_slows_the_districts_people_on_foot_only() {
    let mut m = town();
    m.people
        .push(person_at("W", 10.0, 20.0, Mobility::WalksWithHelp));
    m.people
        .push(person_at("B", 30.0, 10.0, Mobility::Bedridden));
    let g = RoadGraph::build(&m.roads, Frame::for_map(&m), GraphParams::default()).unwrap();
    let with = |factors: &[(&str, f64)]| {
        let mut params = PlanParams::default();
        for (d, f) in factors {
            params.drill.walk_factor.insert((*d).into(), *f);
        }
        plan(&m, &g, &leave_all(), &params, date!(2024 - 04 - 01)).unwrap()
    };
    let secs = |r: &PlanRun, id: &str| {
        let p = r.plans.iter().find(|p| p.person == id).unwrap();
        (p.evacuation_secs, p.route_length_m, p.destination.clone())
    };
    let base = with(&[]);
    let slow = with(&[("T", 0.8)]);
    let other = with(&[("X", 0.5)]);
    let (b, bl, bd) = secs(&base, "W");
    let (s, sl, sd) = secs(&slow, "W");
    assert!(b > 0.0);
    assert_eq!((bl, bd.clone()), (sl, sd), "same route");
    assert!((s - b / 0.8).abs() < 1e-6 * b, "{s} vs {b} / 0.8");
    assert_eq!(secs(&base, "B"), secs(&slow, "B"), "the car is not slowed");
    assert_eq!(
        base.plans, other.plans,
        "another district's factor changes nothing"
    );
}
