//! The drill's outputs as text: the console table, `timeline.csv` and `drill.geojson`. Pure
//! functions of the report; the command writes them. Only ids and figures, never a name.

use super::monte::DrillReport;
use super::{Drill, TimelineEvent};
use crate::model::{Lang, Map};
use serde_json::json;
use std::fmt::Write as _;

/// The district table printed by `mimamori drill`, and the single points of failure.
pub fn district_table(r: &DrillReport, lang: Lang) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        lang.pick(
            &format!(
                "訓練シミュレーション「{}」 {}回（seed {}）",
                r.scenario, r.runs, r.seed
            ),
            &format!(
                "Drill \"{}\": {} runs (seed {})",
                r.scenario, r.runs, r.seed
            ),
        )
    );
    let _ = writeln!(
        s,
        "{:<10} {:>6} {:>8} {:>10} {:>8} {:>8}",
        lang.pick("地区", "district"),
        lang.pick("人数", "people"),
        lang.pick("要避難", "at stake"),
        lang.pick("安全(期待)", "exp. safe"),
        lang.pick("割合", "share"),
        lang.pick("危険", "at risk"),
    );
    let row = |s: &mut String, name: &str, d: &super::monte::DistrictStats| {
        let share = d
            .share_safe
            .map_or("-".to_owned(), |x| format!("{:.1}%", x * 100.0));
        let _ = writeln!(
            s,
            "{:<10} {:>6} {:>8} {:>10.1} {:>8} {:>8}",
            name,
            d.people,
            d.at_stake,
            d.expected_safe,
            share,
            d.people_at_risk.len()
        );
    };
    for (code, d) in &r.districts {
        row(&mut s, code, d);
    }
    row(&mut s, lang.pick("合計", "total"), &r.total);
    if !r.single_points_of_failure.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            lang.pick(
                "単一障害点（失うと安全な人の期待数が減る支援者・道路）:",
                "Single points of failure (helpers and roads whose loss costs the most):",
            )
        );
        for p in r.single_points_of_failure.iter().take(10) {
            let kind = match (p.kind.as_str(), lang) {
                ("helper", Lang::Ja) => "支援者",
                ("road", Lang::Ja) => "道路",
                (k, _) => k,
            };
            let _ = writeln!(
                s,
                "  {kind} {}: -{:.2} {}",
                p.id,
                p.loss,
                lang.pick("人", "people")
            );
        }
    }
    s
}

/// `timeline.csv`: one run, one line per event: `minute`, `helper`, `person`, `event`,
/// `road` (ids only).
pub fn timeline_csv(drill: &Drill, events: &[TimelineEvent]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["minute", "helper", "person", "event", "road"]);
    for e in events {
        let helper = e
            .helper
            .map(|h| drill.helpers[h as usize].id.clone())
            .unwrap_or_default();
        let person = e
            .person
            .map(|p| drill.people[p as usize].id.clone())
            .unwrap_or_default();
        let _ = w.write_record([
            format!("{:.1}", e.secs / 60.0),
            helper,
            person,
            e.what.to_owned(),
            e.road.clone().unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `drill.geojson`: people (`layer` = `person`) with `p_safe` and `main_failure`, roads
/// where people were caught (`failing_road`, with `late_runs`) and the roads among the
/// single points of failure (`critical_road`, with `loss`), for QGIS.
pub fn drill_geojson(drill: &Drill, map: &Map, r: &DrillReport) -> String {
    let mut features = Vec::new();
    let homes: std::collections::BTreeMap<&str, crate::model::LonLat> = drill
        .people
        .iter()
        .map(|p| (p.id.as_str(), p.home))
        .collect();
    for p in &r.people {
        let Some(h) = homes.get(p.person.as_str()) else {
            continue;
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [h.lon, h.lat]},
            "properties": {
                "layer": "person",
                "person": p.person,
                "district": p.district,
                "p_safe": p.p_safe,
                "main_failure": p.main_failure,
            }
        }));
    }
    let line = |id: &str| {
        map.roads.iter().find(|x| x.ext_id == id).map(|x| {
            x.coords
                .iter()
                .map(|c| vec![c.lon, c.lat])
                .collect::<Vec<_>>()
        })
    };
    for f in &r.failing_roads {
        if let Some(coords) = line(&f.road) {
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"layer": "failing_road", "road": f.road,
                               "late_runs": f.late_runs, "people": f.people}
            }));
        }
    }
    for p in r
        .single_points_of_failure
        .iter()
        .filter(|p| p.kind == "road")
    {
        if let Some(coords) = line(&p.id) {
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"layer": "critical_road", "road": p.id, "loss": p.loss}
            }));
        }
    }
    let fc = json!({"type": "FeatureCollection", "features": features});
    serde_json::to_string(&fc).unwrap_or_default() + "\n"
}
