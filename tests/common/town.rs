//! Tiny hand-built towns for planner-driven tests: street grids of 100 m blocks, people,
//! helpers and shelters placed in metres from a grid origin (`at(x, y)`), several districts.
#![allow(dead_code)]

use mimamori::model::*;
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::Scenario;
use mimamori::spatial::Frame;
use time::Date;
use time::macros::date;

pub const LON0: f64 = 142.30;
pub const LAT0: f64 = 43.70;
pub const M_LON: f64 = 1.0 / 80_450.0;
pub const M_LAT: f64 = 1.0 / 111_132.0;
pub const AS_OF: Date = date!(2024 - 04 - 01);

/// The point `x_m` east and `y_m` north of the origin.
pub fn at(x_m: f64, y_m: f64) -> LonLat {
    LonLat::new(LON0 + x_m * M_LON, LAT0 + y_m * M_LAT)
}

/// An `n` × `n` street grid with 100 m blocks whose south-west corner is `x0_m` east of the
/// origin; road ids start with `prefix`.
pub fn grid_roads_at(prefix: &str, x0_m: f64, n: usize) -> Vec<Road> {
    let mut roads = Vec::new();
    for i in 0..n {
        for horizontal in [true, false] {
            let coords = (0..n)
                .map(|j| {
                    let (a, b) = (i as f64 * 100.0, j as f64 * 100.0);
                    if horizontal {
                        at(x0_m + b, a)
                    } else {
                        at(x0_m + a, b)
                    }
                })
                .collect();
            roads.push(Road {
                ext_id: format!("{prefix}{}{i}", if horizontal { "H" } else { "V" }),
                coords,
                class: RoadClass::Residential,
                bridge: false,
                tunnel: false,
                oneway: Oneway::No,
                wheelchair: None,
                name: String::new(),
            });
        }
    }
    roads
}

/// A person of district `district` (index) at (x, y), born 1940, living alone, consenting
/// to drafting and to sharing.
pub fn person_in(district: u32, id: &str, x: f64, y: f64, mobility: Mobility) -> Person {
    Person {
        ext_id: id.into(),
        district: DistrictId(district),
        home: at(x, y),
        address: format!("{id}の住所"),
        name: format!("{id}の氏名"),
        kana: String::new(),
        birth_date: date!(1940 - 05 - 05),
        sex: Sex::Female,
        phone: String::new(),
        reasons: vec![SupportReason::CareLevel(2)],
        mobility,
        helpers_needed: mobility.default_helpers_needed(),
        needs: vec![],
        building: Building {
            floors: 1,
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
    }
}

/// A helper of district `district` (index) at (x, y), capacity 1, always available.
pub fn helper_in(district: u32, id: &str, x: f64, y: f64, skills: &[Skill]) -> Volunteer {
    Volunteer {
        ext_id: id.into(),
        district: DistrictId(district),
        home: at(x, y),
        name: format!("{id}の氏名"),
        phone: String::new(),
        birth_year: 1960,
        roles: vec![Role::Helper],
        capacity: 1,
        skills: skills.to_vec(),
        availability: Availability::ALWAYS,
        consent_named: true,
        address: String::new(),
    }
}

/// A general shelter for floods at (x, y).
pub fn shelter_at(id: &str, x: f64, y: f64) -> Shelter {
    Shelter {
        ext_id: id.into(),
        name: id.into(),
        address: String::new(),
        location: at(x, y),
        kind: ShelterKind::Shelter,
        hazards: [HazardType::Flood].into_iter().collect(),
        capacity: 1000,
        indoor: true,
        barrier_free: true,
        welfare_access: None,
    }
}

/// A town of the given district codes (names are the codes) and roads.
pub fn town_of(codes: &[&str], roads: Vec<Road>) -> Map {
    Map {
        districts: codes
            .iter()
            .map(|c| District {
                code: (*c).into(),
                name: (*c).into(),
                boundary: None,
                commissioner: String::new(),
            })
            .collect(),
        roads,
        ..Map::default()
    }
}

/// An evacuation order for the whole town (a town without zones still leaves).
pub fn leave_all() -> Scenario {
    Scenario {
        evacuate_all: true,
        ..Scenario::default()
    }
}

pub fn graph(map: &Map) -> RoadGraph {
    RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap()
}
