//! End to end on real streets: the OpenStreetMap network of 阿倍野・天王寺 (Osaka), people,
//! volunteers and shelters generated around it, then `plan`: routes must run along the real
//! streets, vertex by vertex.

use mimamori::io::import::osm::read_osm;
use mimamori::model::*;
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::Scenario;
use mimamori::plan::engine::{PlanParams, plan};
use mimamori::rng::Rng;
use mimamori::spatial::Frame;
use std::path::Path;
use time::macros::date;

/// A point near road vertex `k` of a random road, shifted `north_m` metres north.
fn near_road(rng: &mut Rng, roads: &[Road], north_m: f64) -> LonLat {
    let r = rng.pick(roads);
    let c = r.coords[rng.below(r.coords.len())];
    LonLat::new(c.lon, c.lat + north_m / 111_132.0)
}

#[test]
fn plans_on_osaka_abeno_follow_real_streets() {
    let pbf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/osm/osaka-abeno/osaka-abeno_2025-06-16.osm.pbf");
    let (osm, _) = read_osm(&pbf, None).unwrap();
    let roads: Vec<Road> = osm.into_iter().map(|r| r.road).collect();
    assert!(roads.len() > 5000);
    // Keep people in the central area so that shelters are within reach.
    let central: Vec<Road> = roads
        .iter()
        .filter(|r| {
            r.class.drivable()
                && r.coords
                    .iter()
                    .all(|c| (135.51..135.54).contains(&c.lon) && (34.63..34.65).contains(&c.lat))
        })
        .cloned()
        .collect();
    let mut rng = Rng::new(11);
    let mut map = Map {
        meta: MapMeta {
            name: "阿倍野（実道路＋合成名簿）".into(),
            ..MapMeta::default()
        },
        districts: vec![District {
            code: "A01".into(),
            name: "阿倍野".into(),
            boundary: None,
            commissioner: String::new(),
        }],
        roads: roads.clone(),
        ..Map::default()
    };
    for i in 0..60 {
        let mobility = [
            Mobility::WalksAlone,
            Mobility::WalksWithHelp,
            Mobility::Wheelchair,
        ][i % 3];
        map.people.push(Person {
            ext_id: format!("P{i:03}"),
            district: DistrictId(0),
            home: near_road(&mut rng, &central, 12.0),
            address: format!("大阪市阿倍野区 {i}"),
            name: format!("対象者{i}"),
            kana: String::new(),
            birth_date: date!(1940 - 01 - 01),
            sex: Sex::Unknown,
            phone: String::new(),
            reasons: vec![SupportReason::CareLevel(2)],
            mobility,
            helpers_needed: 1,
            needs: vec![],
            building: Building {
                floors: 2,
                bedroom_floor: 1,
                structure: Structure::Wood,
            },
            household: Household::Alone,
            contacts: vec![],
            consent: Consent {
                plan: true,
                share: true,
            },
            daytime_place: String::new(),
            notes: String::new(),
            family_helper: None,
            family_doctor: String::new(),
            care_manager: String::new(),
        });
    }
    for i in 0..120 {
        map.volunteers.push(Volunteer {
            ext_id: format!("V{i:03}"),
            district: DistrictId(0),
            home: near_road(&mut rng, &central, -10.0),
            name: format!("支援者{i}"),
            phone: String::new(),
            birth_year: 1960,
            roles: vec![Role::Helper],
            capacity: 2,
            skills: vec![Skill::Wheelchair, Skill::Car],
            availability: Availability::ALWAYS,
            consent_named: true,
            address: String::new(),
        });
    }
    for i in 0..8 {
        map.shelters.push(Shelter {
            ext_id: format!("S{i}"),
            name: format!("避難所{i}"),
            address: String::new(),
            location: near_road(&mut rng, &central, 20.0),
            kind: ShelterKind::Shelter,
            hazards: [HazardType::Flood].into_iter().collect(),
            capacity: 2000,
            indoor: true,
            barrier_free: true,
            welfare_access: None,
        });
    }
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    // No hazard layer here: an evacuation order for the whole area sends everyone.
    let everyone = Scenario {
        evacuate_all: true,
        ..Scenario::default()
    };
    let run = plan(
        &map,
        &graph,
        &everyone,
        &PlanParams::default(),
        date!(2025 - 06 - 16),
    )
    .unwrap();
    let covered: Vec<_> = run
        .plans
        .iter()
        .filter(|p| p.needs_help && p.covered)
        .collect();
    assert!(
        covered.len() >= 40,
        "only {} of 60 covered: {:?}",
        covered.len(),
        run.summary.total.by_reason
    );
    // Every interior point of every route is a vertex of a real OSM street (the first and last
    // points are the home and the destination themselves).
    let on_street = |c: &LonLat| {
        roads.iter().any(|r| {
            r.coords
                .iter()
                .any(|v| (v.lon - c.lon).abs() < 1e-6 && (v.lat - c.lat).abs() < 1e-6)
        })
    };
    for p in &covered {
        assert!(p.route.len() >= 3, "{} has no street route", p.person);
        for c in &p.route[1..p.route.len() - 1] {
            assert!(
                on_street(c),
                "{}: route point {c:?} is not on a street",
                p.person
            );
        }
        let direct = p.route[0].distance_m(*p.route.last().unwrap());
        assert!(
            p.route_length_m + 1.0 >= direct,
            "a route cannot be shorter than the straight line"
        );
        for h in &p.helpers {
            // From the helper's door to the person's: the ends are the homes, the rest streets.
            assert_eq!(h.route.first(), Some(&h.home));
            assert_eq!(h.route.last(), Some(&p.home));
            assert!(
                h.route[1..h.route.len() - 1].iter().all(on_street),
                "{}: helper route leaves the streets",
                p.person
            );
        }
    }
}
