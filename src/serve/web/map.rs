//! The district map's layers as one GeoJSON FeatureCollection, drawn in the browser by the
//! vendored Leaflet (`web/vendor/leaflet-1.9.4`) with no tile layer: the map's own roads and
//! hazard zones around the district, its shelters, helpers, and people coloured by status and
//! coverage (each with the link to their plan page).
//!
//! Every feature has a `layer` property (`road`, `hazard`, `shelter`, `helper`, `person`, and for
//! one chosen person `route` and `helper_route`). A person carries only ids and codes (no name,
//! no address); their home point is personal and its read is audited by the caller, one row per
//! person.

use crate::model::{LonLat, Map};
use crate::render::MapIndex;
use crate::serve::views::{PersonSummary, UncoveredView};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Margin around the district's people and helpers, metres.
const MARGIN_M: f64 = 300.0;

fn point(p: LonLat) -> Value {
    json!({"type": "Point", "coordinates": [p.lon, p.lat]})
}

fn line(coords: &[LonLat]) -> Value {
    json!({"type": "LineString", "coordinates": coords.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()})
}

fn ring(r: &geo::LineString<f64>) -> Vec<[f64; 2]> {
    r.coords().map(|c| [c.x, c.y]).collect()
}

fn multipolygon(m: &geo::MultiPolygon<f64>) -> Value {
    let polys: Vec<Vec<Vec<[f64; 2]>>> = m
        .iter()
        .map(|p| {
            std::iter::once(ring(p.exterior()))
                .chain(p.interiors().iter().map(ring))
                .collect()
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": polys})
}

fn feature(geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

/// The layers of `district` (a code of `map`). `people` are the district's people as the API
/// lists them, `uncovered` its uncovered people with reasons; with `reason`, only the people
/// uncovered for that reason code. Returns the collection and the person ids it places.
pub fn district_layers(
    map: &Map,
    district: &str,
    people: &[PersonSummary],
    uncovered: &[UncoveredView],
    reason: Option<&str>,
) -> (Value, Vec<String>) {
    let reasons: BTreeMap<&str, Vec<&str>> = uncovered
        .iter()
        .map(|u| {
            (
                u.id.as_str(),
                u.reasons.iter().map(|r| r.code.as_str()).collect(),
            )
        })
        .collect();
    let did = map.find_district(district);
    let mut features = Vec::new();
    let mut points = Vec::new();
    let mut placed = Vec::new();
    let mut person_features = Vec::new();
    for p in people {
        let rs = reasons.get(p.id.as_str()).cloned().unwrap_or_default();
        if reason.is_some_and(|want| !rs.contains(&want)) {
            continue;
        }
        let Some(pid) = map.find_person(&p.id) else {
            continue;
        };
        let home = map.person(pid).home;
        points.push(home);
        placed.push(p.id.clone());
        person_features.push(feature(
            point(home),
            json!({
                "layer": "person",
                "id": p.id,
                "status": p.status,
                "covered": p.covered,
                "needs_help": p.needs_help,
                "uncovered": reasons.contains_key(p.id.as_str()),
                "reasons": rs,
                "href": format!("/people/{}", super::pages::path_segment(&p.id)),
            }),
        ));
    }
    let mut helper_features = Vec::new();
    for v in map.volunteers.iter().filter(|v| Some(v.district) == did) {
        points.push(v.home);
        helper_features.push(feature(
            point(v.home),
            json!({"layer": "helper", "id": v.ext_id}),
        ));
    }
    if !points.is_empty() {
        let view = MapIndex::new(map).view(&points, MARGIN_M);
        let inside = |p: &LonLat| {
            p.lon >= view.min.lon
                && p.lon <= view.max.lon
                && p.lat >= view.min.lat
                && p.lat <= view.max.lat
        };
        for h in &view.hazards {
            features.push(feature(
                multipolygon(&h.geometry),
                json!({
                    "layer": "hazard",
                    "kind": h.kind.code(),
                    "depth_rank": h.depth_rank.map(|d| d.get()),
                }),
            ));
        }
        for r in &view.roads {
            features.push(feature(
                line(&r.coords),
                json!({"layer": "road", "class": r.class.code()}),
            ));
        }
        for s in map.shelters.iter().filter(|s| inside(&s.location)) {
            features.push(feature(
                point(s.location),
                json!({"layer": "shelter", "id": s.ext_id, "name": s.name, "kind": s.kind.code()}),
            ));
        }
    }
    features.extend(helper_features);
    features.extend(person_features);
    (
        json!({"type": "FeatureCollection", "features": features}),
        placed,
    )
}

fn coords_of(route: &Value) -> Vec<[f64; 2]> {
    route
        .as_array()
        .map(|pts| {
            pts.iter()
                .filter_map(|p| Some([p["lon"].as_f64()?, p["lat"].as_f64()?]))
                .collect()
        })
        .unwrap_or_default()
}

fn route_feature(coords: Vec<[f64; 2]>, properties: Value) -> Option<Value> {
    (coords.len() >= 2).then(|| {
        feature(
            json!({"type": "LineString", "coordinates": coords}),
            properties,
        )
    })
}

/// The routes of one person's plan as the user may see it (`plan` is the `plan` of their
/// [`crate::serve::views::PlanView`]): the evacuation route (`route`) and each helper's way to
/// the person (`helper_route`; a helper user sees only their own round).
pub fn route_layers(person: &str, plan: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    out.extend(route_feature(
        coords_of(&plan["route"]),
        json!({"layer": "route", "id": person}),
    ));
    if let Some(helpers) = plan["helpers"].as_array() {
        for h in helpers {
            out.extend(route_feature(
                coords_of(&h["route"]),
                json!({"layer": "helper_route", "id": h["id"], "role": h["role"]}),
            ));
        }
    } else if plan["my_round"].is_object() {
        out.extend(route_feature(
            coords_of(&plan["my_round"]["route"]),
            json!({"layer": "helper_route", "role": plan["my_round"]["role"]}),
        ));
    }
    out
}
