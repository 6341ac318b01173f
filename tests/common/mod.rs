//! Hand-built plans over `maps/sample-district` for the render tests (the engine that fills
//! `Plan` is written elsewhere; these fixtures only need to look like its output).
#![allow(dead_code)]

pub mod browser;
pub mod town;

use mimamori::io::mapdir::load_map;
use mimamori::model::{HazardType, LonLat, Map, Mobility, Need};
use mimamori::plan::{
    Band, Destination, EvacuationNeed, HelperRole, LocalText, Method, Plan, PlanHelper, Priority,
    PriorityFactor, Reason, Uncovered, Warning,
};
use std::path::Path;

pub fn sample_map() -> Map {
    load_map(&Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district"))
        .expect("sample-district loads")
}

/// Lon of the sample grid's north-south roads and lat of its east-west roads nearest to `p`.
fn nearest_grid(map: &Map, p: LonLat) -> (f64, f64) {
    let mut best_lon = (f64::INFINITY, p.lon);
    let mut best_lat = (f64::INFINITY, p.lat);
    for r in &map.roads {
        let (a, b) = (r.coords[0], r.coords[r.coords.len() - 1]);
        if (a.lon - b.lon).abs() < 1e-9 && (a.lon - p.lon).abs() < best_lon.0 {
            best_lon = ((a.lon - p.lon).abs(), a.lon);
        }
        if (a.lat - b.lat).abs() < 1e-9 && (a.lat - p.lat).abs() < best_lat.0 {
            best_lat = ((a.lat - p.lat).abs(), a.lat);
        }
    }
    (best_lon.1, best_lat.1)
}

/// An L-shaped route along the sample grid's roads: to the nearest north-south road, along it
/// to the east-west road nearest the target, along that to the target's north-south road, in.
pub fn grid_route(map: &Map, from: LonLat, to: LonLat) -> Vec<LonLat> {
    let (flon, _) = nearest_grid(map, from);
    let (tlon, tlat) = nearest_grid(map, to);
    vec![
        from,
        LonLat::new(flon, from.lat),
        LonLat::new(flon, tlat),
        LonLat::new(tlon, tlat),
        LonLat::new(tlon, to.lat),
        to,
    ]
}

pub fn length_m(route: &[LonLat]) -> f64 {
    route.windows(2).map(|w| w[0].distance_m(w[1])).sum()
}

fn helper(map: &Map, id: &str, role: HelperRole, to: LonLat, speed_m_s: f64) -> PlanHelper {
    let v = map.volunteer(map.find_volunteer(id).expect("volunteer exists"));
    let route = grid_route(map, v.home, to);
    PlanHelper {
        id: v.ext_id.clone(),
        role,
        name: v.name.clone(),
        phone: v.phone.clone(),
        address: v.address.clone(),
        age: 2024 - v.birth_year,
        home: v.home,
        travel_secs: length_m(&route) / speed_m_s,
        route,
        watches_person: role == HelperRole::Primary,
        order: (role == HelperRole::Primary).then_some(1),
        arrive_secs: None,
        safe_secs: None,
    }
}

fn base_plan(map: &Map, person: &str, shelter: &str) -> Plan {
    let p = map.person(map.find_person(person).expect("person exists"));
    let s = map
        .shelters
        .iter()
        .find(|s| s.ext_id == shelter)
        .expect("shelter exists");
    let route = grid_route(map, p.home, s.location);
    let route_length_m = length_m(&route);
    Plan {
        person: p.ext_id.clone(),
        district: map.district(p.district).code.clone(),
        district_name: map.district(p.district).name.clone(),
        name: p.name.clone(),
        kana: p.kana.clone(),
        birth_date: p.birth_date.to_string(),
        age: 2024 - p.birth_date.year(),
        sex: p.sex.code().into(),
        address: p.address.clone(),
        phone: p.phone.clone(),
        home: p.home,
        support_reasons: p.reasons.clone(),
        mobility: p.mobility,
        helpers_needed: p.helpers_needed,
        needs: p.needs.clone(),
        floors: p.building.floors,
        bedroom_floor: p.building.bedroom_floor,
        structure: p.building.structure.code().into(),
        household: p.household.code().into(),
        contacts: p.contacts.clone(),
        daytime_place: p.daytime_place.clone(),
        notes: p.notes.clone(),
        family_doctor: p.family_doctor.clone(),
        care_manager: p.care_manager.clone(),
        commissioner: map.district(p.district).commissioner.clone(),
        family_helper: false,
        main_watcher: None,
        helpers: vec![],
        destination: Some(Destination {
            id: s.ext_id.clone(),
            name: s.name.clone(),
            address: s.address.clone(),
            kind: s.kind.code().into(),
            location: s.location,
        }),
        route,
        route_length_m,
        evacuation_secs: route_length_m / 0.5,
        method: Method::Walk,
        preparation_secs: 600.0,
        start_when: "警戒レベル3「高齢者等避難」の発令時".into(),
        evacuation_need: EvacuationNeed::Leave,
        need_reason: LocalText::new(
            "自宅が浸水想定区域（0.5〜3 m）にあり、平屋のため立ち退き避難が必要です。",
            "The home is in a 0.5-3 m flood zone with one storey: the person must leave.",
        ),
        needs_help: true,
        water_arrives_min: Some(225.0),
        leave_by_min: Some(150.0),
        departure_min: Some(32.0),
        slack_min: Some(118.0),
        alert_at: Some("14:00".into()),
        warning_delivery: vec![
            "支援者が電話で連絡".into(),
            "支援者が訪問して声かけ".into(),
            "防災ラジオ".into(),
        ],
        things_to_take: vec![
            "お薬手帳・常備薬".into(),
            "眼鏡".into(),
            "飲料水".into(),
            "携帯電話と充電器".into(),
            "保険証".into(),
            "防寒着".into(),
        ],
        consent_plan: p.consent.plan,
        consent_share: p.consent.share,
        shared_with: vec![
            "旭川市社会福祉協議会".into(),
            "地区社会福祉協議会".into(),
            "民生委員".into(),
            "避難支援等実施者".into(),
        ],
        priority: Priority {
            score: 2.0,
            band: Band::Middle,
            weight: 20,
            factors: vec![],
        },
        covered: true,
        reasons: vec![],
        warnings: vec![],
        drafted: "2024-03-31".into(),
        updated: "2024-03-31".into(),
        next_review: "2025-03-31".into(),
        scenario: "flood-l2-night".into(),
        scenario_en: String::new(),
        hazard: HazardType::Flood,
    }
}

/// A bedridden person in the flood zone: P00031 (home in the 5–10 m band and the house-collapse
/// zone of the sample map), made bedridden here, evacuating by car to S0002 with two primary
/// helpers with cars (V00004, V00005) and a backup (V00024).
pub fn bedridden_flood(map: &Map) -> Plan {
    let mut plan = base_plan(map, "P00031", "S0002");
    plan.mobility = Mobility::Bedridden;
    plan.helpers_needed = 2;
    plan.needs = vec![Need::PoweredDevice];
    plan.notes = "介護ベッド使用。移動は担架または車両。吸引器を使用。".into();
    plan.method = Method::Car;
    plan.evacuation_secs = plan.route_length_m / 3.0;
    plan.preparation_secs = 1200.0;
    plan.things_to_take
        .insert(0, "吸引器・予備バッテリー".into());
    let home = plan.home;
    plan.helpers = vec![
        helper(map, "V00004", HelperRole::Primary, home, 1.0),
        helper(map, "V00005", HelperRole::Primary, home, 1.0),
        helper(map, "V00024", HelperRole::Backup, home, 1.0),
    ];
    plan.priority = Priority {
        score: 9.6,
        band: Band::High,
        weight: 96,
        factors: vec![PriorityFactor {
            ja: "家屋倒壊等氾濫想定区域".into(),
            en: "house-collapse zone".into(),
            multiplier: 3.0,
        }],
    };
    plan.warnings = vec![Warning::PowerNeeded];
    plan
}

/// A wheelchair user in winter: P00002, earthquake scenario with snow, to the barrier-free
/// S0004, helper V00021 (wheelchair-trained) and backup V00022.
pub fn wheelchair_winter(map: &Map) -> Plan {
    let mut plan = base_plan(map, "P00002", "S0004");
    plan.method = Method::Wheelchair;
    // 0.5 m/s × 0.48 (heavy snow) = 0.24 m/s.
    plan.evacuation_secs = plan.route_length_m / 0.24;
    plan.scenario = "winter-snow-earthquake".into();
    plan.hazard = HazardType::Earthquake;
    plan.things_to_take.push("カイロ・毛布".into());
    let home = plan.home;
    plan.helpers = vec![
        helper(map, "V00021", HelperRole::Primary, home, 0.8),
        helper(map, "V00022", HelperRole::Backup, home, 0.8),
    ];
    plan.warnings = vec![
        Warning::LongWalk {
            length_m: plan.route_length_m,
            limit_m: 500.0,
        },
        Warning::StaleContact {
            days: 90,
            last: Some("2023-12-01".into()),
        },
    ];
    plan
}

/// Someone not covered, for the index.
pub fn uncovered() -> Vec<Uncovered> {
    vec![Uncovered {
        person: "P00029".into(),
        district: "D01".into(),
        priority: Band::High,
        reasons: vec![Reason::NotEnoughHelpers {
            needed: 2,
            eligible: 1,
        }],
    }]
}

/// `map` planned under the bundled scenario file `scenario` (`scenarios/NAME`; None: the
/// default scenario), default parameters, as of 2024-04-01.
pub fn plan_alone(map: &Map, scenario: Option<&str>) -> mimamori::plan::PlanRun {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let graph = mimamori::network::RoadGraph::build(
        &map.roads,
        mimamori::spatial::Frame::for_map(map),
        Default::default(),
    )
    .unwrap();
    let s = scenario
        .map(|f| mimamori::io::plan_out::read_scenario(&root.join("scenarios").join(f)).unwrap())
        .unwrap_or_default();
    mimamori::plan::plan(
        map,
        &graph,
        &s,
        &Default::default(),
        time::macros::date!(2024 - 04 - 01),
    )
    .unwrap()
}

/// Where `p` leaves home to, as a sheet names it: the destination's name when the person
/// leaves (a route), none when they stay.
pub fn leaves_to(p: &Plan) -> Option<String> {
    p.destination
        .as_ref()
        .filter(|_| p.route.len() > 1)
        .map(|d| d.name.clone())
}
