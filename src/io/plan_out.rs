//! Writing a planning run: `plans.json`, `plans.geojson`, `uncovered.csv`, `summary.json`, and
//! the matching dump; reading scenario files.

use super::output::{OutputError, OutputKind, Staged};
use super::{DataError, Location, decode_text, read_bytes};
use crate::model::Lang;
use crate::plan::engine::PlanRun;
use crate::plan::{Plan, Scenario};
use geojson::feature::Id;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue};
use serde_json::{Value, json};
use std::path::Path;

/// Reads and validates a scenario TOML file.
pub fn read_scenario(path: &Path) -> Result<Scenario, DataError> {
    let bytes = read_bytes(path)?;
    let text = decode_text(path, &bytes, super::Encoding::Utf8)?;
    let sc: Scenario = toml::from_str(&text).map_err(|e| {
        let loc = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u64 + 1)
            .map_or(Location::File, Location::Line);
        DataError::new(
            path,
            loc,
            "",
            "",
            format!("a valid scenario ({})", e.message()),
        )
    })?;
    sc.validate().map_err(|(field, value, expected)| {
        // The line of the key, so a long scenario file points at the culprit.
        let loc = text
            .lines()
            .position(|l| {
                l.trim_start()
                    .strip_prefix(field)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
            .map_or(Location::File, |i| Location::Line(i as u64 + 1));
        DataError::new(path, loc, field, value, expected)
    })?;
    Ok(sc)
}

/// Reads an earlier `plan` output folder's `plans.json` for `plan --previous`: per person the
/// primary helpers, the backup, the destination, whether covered and the evacuation need.
/// Only those fields are read, so a file from an older version still serves.
pub fn read_previous(dir: &Path) -> Result<crate::plan::Previous, DataError> {
    use crate::plan::{EvacuationNeed, HelperRole, Previous, PreviousChoice};
    use serde::Deserialize;
    #[derive(Deserialize)]
    struct H {
        id: String,
        role: HelperRole,
        travel_secs: f64,
    }
    #[derive(Deserialize)]
    struct D {
        id: String,
    }
    #[derive(Deserialize)]
    struct P {
        person: String,
        #[serde(default)]
        helpers: Vec<H>,
        destination: Option<D>,
        #[serde(default)]
        evacuation_secs: f64,
        #[serde(default)]
        covered: bool,
        evacuation_need: Option<EvacuationNeed>,
    }
    let path = dir.join("plans.json");
    let bytes = read_bytes(&path)?;
    let text = decode_text(&path, &bytes, super::Encoding::Utf8)?;
    let plans: Vec<P> = serde_json::from_str(&text).map_err(|e| {
        DataError::new(
            &path,
            Location::Line(e.line() as u64),
            "",
            "",
            format!(
                "the plans.json written by `mimamori plan` (a list of plans with person, \
                 helpers, destination) ({e})"
            ),
        )
    })?;
    Ok(Previous {
        plans: plans
            .into_iter()
            .map(|p| {
                let choice = PreviousChoice::new(
                    p.helpers
                        .iter()
                        .map(|h| (h.id.as_str(), h.role, h.travel_secs)),
                    p.destination
                        .as_ref()
                        .map(|d| (d.id.as_str(), p.evacuation_secs)),
                    p.covered,
                    p.evacuation_need,
                );
                (p.person, choice)
            })
            .collect(),
    })
}

fn pos(p: crate::model::LonLat) -> [f64; 2] {
    [(p.lon * 1e7).round() / 1e7, (p.lat * 1e7).round() / 1e7]
}

fn line(coords: &[crate::model::LonLat]) -> GeometryValue {
    GeometryValue::new_line_string(coords.iter().map(|c| pos(*c)))
}

fn feature(id: String, props: Value, geometry: GeometryValue) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(Geometry::new(geometry)),
        id: Some(Id::String(id)),
        properties: props.as_object().cloned(),
        foreign_members: None,
    }
}

/// The plans as an RFC 7946 FeatureCollection (built with the `geojson` crate's types): per
/// plan the person (Point), the destination (Point), the evacuation route and each helper's
/// route (LineStrings), and each helper's home. Properties carry ids and figures, not names or
/// health data, so the layer can be shared for maps without exposing personal details.
pub fn plans_geojson(plans: &[Plan]) -> FeatureCollection {
    let mut features = Vec::new();
    for p in plans {
        features.push(feature(
            format!("person/{}", p.person),
            json!({"layer": "person", "person": p.person, "district": p.district, "method": p.method,
                   "priority": p.priority.band, "evacuation_need": p.evacuation_need,
                   "needs_help": p.needs_help, "covered": p.covered,
                   "leave_by_min": p.leave_by_min.map(f64::floor), "slack_min": p.slack_min.map(f64::floor),
                   "reasons": p.reasons.iter().map(|r| r.code()).collect::<Vec<_>>()}),
            GeometryValue::new_point(pos(p.home)),
        ));
        if let Some(d) = &p.destination {
            features.push(feature(
                format!("destination/{}/{}", p.person, d.id),
                json!({"layer": "destination", "person": p.person, "destination": d.id, "name": d.name, "kind": d.kind}),
                GeometryValue::new_point(pos(d.location)),
            ));
        }
        if p.route.len() >= 2 {
            features.push(feature(
                format!("route/{}", p.person),
                json!({"layer": "route", "person": p.person, "length_m": p.route_length_m.round(),
                       "evacuation_secs": p.evacuation_secs.round(), "method": p.method}),
                line(&p.route),
            ));
        }
        for h in &p.helpers {
            features.push(feature(
                format!("helper/{}/{}", p.person, h.id),
                json!({"layer": "helper", "person": p.person, "helper": h.id, "role": h.role}),
                GeometryValue::new_point(pos(h.home)),
            ));
            if h.route.len() >= 2 {
                features.push(feature(
                    format!("helper_route/{}/{}", p.person, h.id),
                    json!({"layer": "helper_route", "person": p.person, "helper": h.id, "role": h.role,
                           "travel_secs": h.travel_secs.round()}),
                    line(&h.route),
                ));
            }
        }
    }
    features.into_iter().collect()
}

/// One row per uncovered person and reason.
pub fn uncovered_csv(run: &PlanRun) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "person",
        "district",
        "priority",
        "reason",
        "reason_ja",
        "reason_en",
    ])
    .expect("writing to memory");
    for u in &run.uncovered {
        for r in &u.reasons {
            let band = serde_json::to_value(u.priority).expect("band serialises");
            w.write_record([
                u.person.as_str(),
                u.district.as_str(),
                band.as_str().unwrap_or_default(),
                r.code(),
                &r.sentence(Lang::Ja),
                &r.sentence(Lang::En),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

/// The files of a run's output folder.
pub const RUN_FILES: [&str; 4] = [
    "plans.json",
    "plans.geojson",
    "uncovered.csv",
    "summary.json",
];

/// What `mimamori plan` writes into its `--out` folder: the run's files, and a
/// `--dump-matching` file given inside the folder (`matching.json` in folders written
/// before the manifest; any name since).
pub const PLAN_OUTPUT: OutputKind = OutputKind {
    command: "plan",
    known: |rel| {
        let file = rel.split_once('/').map_or(rel, |(_, f)| f);
        RUN_FILES.contains(&file) || rel == "matching.json" || rel == "hazards.csv"
    },
    manifest: true,
};

/// The run's files, named as in [`RUN_FILES`], with their content.
pub fn run_files(run: &PlanRun) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("plans.json", pretty(&run.plans).into_bytes()),
        (
            "plans.geojson",
            plans_geojson(&run.plans).to_string().into_bytes(),
        ),
        ("uncovered.csv", uncovered_csv(run)),
        ("summary.json", pretty(&run.summary).into_bytes()),
    ]
}

/// Replaces the folder `dir` with `plans.json`, `plans.geojson`, `uncovered.csv` and
/// `summary.json` of `run`, plus `extra` files (name, content): all of them or, on any
/// failure or kill, none (the previous set stays whole). Files of an earlier run that this
/// one does not write are removed; files `mimamori plan` did not write make it refuse.
pub fn write_run_with(
    dir: &Path,
    run: &PlanRun,
    extra: &[(String, Vec<u8>)],
) -> Result<(), OutputError> {
    let set = Staged::replace(dir, &PLAN_OUTPUT)?;
    for (name, bytes) in run_files(run) {
        set.write(name, &bytes)?;
    }
    for (name, bytes) in extra {
        set.write(name, bytes)?;
    }
    set.commit()
}

/// The code a value serialises to (`"stay_upstairs"`), for CSV cells.
fn code_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `hazards.csv` of a several-scenario `plan`: one row per person (sorted by id) with, for
/// each scenario (`name` as the column prefix, the first scenario first), what they do, where
/// to, when to leave by, who helps, whether those are the first scenario's helpers (empty when
/// the person needs no help to move there), and why nobody helps. People with no plan in a
/// scenario (no consent) have its cells empty except the reason.
pub fn hazards_csv(runs: &[(&str, &PlanRun)]) -> Vec<u8> {
    use std::collections::{BTreeMap, BTreeSet};
    const COLUMNS: [&str; 7] = [
        "need",
        "method",
        "destination",
        "leave_by_min",
        "helpers",
        "helpers_as_first",
        "uncovered",
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["person".to_owned(), "district".to_owned()];
    for (name, _) in runs {
        head.extend(COLUMNS.iter().map(|c| format!("{name}:{c}")));
    }
    w.write_record(&head).expect("writing to memory");
    let plans: Vec<BTreeMap<&str, &Plan>> = runs
        .iter()
        .map(|(_, r)| r.plans.iter().map(|p| (p.person.as_str(), p)).collect())
        .collect();
    let uncovered: Vec<BTreeMap<&str, String>> = runs
        .iter()
        .map(|(_, r)| {
            r.uncovered
                .iter()
                .map(|u| {
                    let codes: Vec<&str> = u.reasons.iter().map(|r| r.code()).collect();
                    (u.person.as_str(), codes.join(" "))
                })
                .collect()
        })
        .collect();
    let mut people: BTreeMap<&str, &str> = BTreeMap::new();
    for (_, r) in runs {
        for p in &r.plans {
            people.insert(&p.person, &p.district);
        }
        for u in &r.uncovered {
            people.insert(&u.person, &u.district);
        }
    }
    for (person, district) in people {
        let mut row = vec![person.to_owned(), district.to_owned()];
        let first = plans.first().and_then(|m| m.get(person));
        for (i, by_person) in plans.iter().enumerate() {
            let reason = uncovered[i].get(person).cloned().unwrap_or_default();
            match by_person.get(person) {
                Some(p) => {
                    let helpers: BTreeSet<&str> =
                        p.primary_helpers().map(|h| h.id.as_str()).collect();
                    let mut who: Vec<&str> = Vec::new();
                    if p.family_helper {
                        who.push("household");
                    }
                    who.extend(helpers);
                    row.extend([
                        code_of(&p.evacuation_need),
                        code_of(&p.method),
                        p.destination
                            .as_ref()
                            .filter(|_| p.route.len() > 1)
                            .map(|d| d.id.clone())
                            .unwrap_or_default(),
                        p.leave_by_min
                            .map(|m| format!("{}", m.floor()))
                            .unwrap_or_default(),
                        who.join(" "),
                        match first {
                            _ if !p.needs_help => String::new(),
                            Some(f) if f.same_helpers(p) => "yes".to_owned(),
                            _ => "no".to_owned(),
                        },
                        reason,
                    ]);
                }
                None => {
                    row.extend((0..COLUMNS.len() - 1).map(|_| String::new()));
                    row.push(reason);
                }
            }
        }
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Replaces the folder `dir` with one subfolder per scenario (`name/plans.json` … as
/// [`write_run`] writes them) and `hazards.csv` ([`hazards_csv`]): all of them or none.
pub fn write_runs(dir: &Path, runs: &[(&str, &PlanRun)]) -> Result<(), OutputError> {
    let set = Staged::replace(dir, &PLAN_OUTPUT)?;
    for (name, run) in runs {
        for (file, bytes) in run_files(run) {
            set.write(format!("{name}/{file}"), &bytes)?;
        }
    }
    set.write("hazards.csv", &hazards_csv(runs))?;
    set.commit()
}

/// [`write_run_with`] without extra files.
pub fn write_run(dir: &Path, run: &PlanRun) -> Result<(), OutputError> {
    write_run_with(dir, run, &[])
}

/// The matching problems as solved, for `--dump-matching`.
pub fn matching_json(run: &PlanRun) -> String {
    let v = json!({
        "helpers": run.helpers,
        "backups": run.backups,
        "destinations": run.destinations,
    });
    serde_json::to_string_pretty(&v).expect("dump serialises") + "\n"
}

/// Pretty JSON with a final newline.
fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("plan values serialise") + "\n"
}
