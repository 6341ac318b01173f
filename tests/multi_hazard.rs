//! `sheets --scenario a.toml --scenario b.toml`: one sheet per person with a column per hazard,
//! each as that scenario plans it alone; one scenario gives the one-scenario sheet. `plan` with
//! several scenarios: each alone, and hazards.csv.

#[path = "../src/cli/sheets.rs"]
mod sheets_cmd;

mod common;
use common::{leaves_to, plan_alone};

use mimamori::model::Lang;
use mimamori::plan::{Plan, scenario_title};
use mimamori::render::{self, MAP_MARGIN_M, MapIndex};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The cells of column `n` (1 = the first scenario) of a multi-hazard sheet's table.
fn column(html: &str, n: usize) -> String {
    let tag = format!("<td class=\"h{n}\">");
    html.split(&tag)
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Flood by day, landslide (other destinations, nobody needs help) and flood on a winter night
/// (other helpers, or none): each person's one sheet has each scenario as planned alone.
#[test]
fn several_scenarios_give_one_sheet_per_person_with_each_scenario_as_planned_alone() {
    let map = mimamori::io::mapdir::load_map(&root().join("maps/sample-district")).unwrap();
    let flood = plan_alone(&map, Some("flood-daytime.toml"));
    let others = [
        plan_alone(&map, Some("landslide-heavy-rain.toml")),
        plan_alone(&map, Some("flood-winter-night.toml")),
    ];
    let other_plans: Vec<Vec<Plan>> = others.iter().map(|r| r.plans.clone()).collect();
    let tmp = tempfile::tempdir().unwrap();
    for lang in [Lang::Ja, Lang::En] {
        let out = tmp.path().join(format!("{lang:?}"));
        let (set, stats) = sheets_cmd::stage_sheets(
            &out,
            &map,
            &flood.plans,
            &other_plans,
            &flood.uncovered,
            lang,
            None,
            false,
        )
        .unwrap();
        set.commit().unwrap();
        let consented: Vec<&Plan> = flood.plans.iter().filter(|p| p.consent_plan).collect();
        assert_eq!(stats.sheets, consented.len());
        let files = std::fs::read_dir(out.join("sheets")).unwrap().count();
        assert_eq!(
            files,
            consented.len(),
            "one sheet per person, not one per scenario"
        );
        // (destination differs, same helpers, other helpers, none needed) over all sheets.
        let mut seen = [0; 4];
        for p in consented {
            let html = std::fs::read_to_string(
                out.join("sheets")
                    .join(format!("{}.html", render::file_stem(&p.person))),
            )
            .unwrap();
            assert!(column(&html, 4).is_empty(), "{}: a fourth column", p.person);
            let first = column(&html, 1);
            if let Some(d) = leaves_to(p) {
                assert!(first.contains(&escaped(&d)), "{}: {d:?}", p.person);
            }
            assert!(html.contains(&escaped(&scenario_title(
                p.hazard,
                &p.scenario,
                &p.scenario_en,
                lang
            ))));
            for (k, run) in others.iter().enumerate() {
                let q = run
                    .plans
                    .iter()
                    .find(|q| q.person == p.person)
                    .expect("the same roster plans the same people");
                let cells = column(&html, k + 2);
                assert!(html.contains(&escaped(&scenario_title(
                    q.hazard,
                    &q.scenario,
                    &q.scenario_en,
                    lang
                ))));
                if let Some(d) = leaves_to(q) {
                    assert!(cells.contains(&escaped(&d)), "{}: {d:?}", p.person);
                }
                if leaves_to(p) != leaves_to(q) {
                    seen[0] += 1;
                }
                // Who helps there, against section 6 (the first scenario's helpers), compared
                // here by sorted primary helper ids.
                let primaries = |x: &Plan| {
                    let mut v: Vec<String> = x.primary_helpers().map(|h| h.id.clone()).collect();
                    v.sort();
                    (x.family_helper, v)
                };
                let says = |ja: &str, en: &str| cells.contains(lang.pick(ja, en));
                if !q.needs_help {
                    seen[3] += 1;
                    assert!(says("移動の支援は不要", "no help to move"), "{}", p.person);
                } else if primaries(p) == primaries(q) {
                    seen[1] += 1;
                    assert!(says("6と同じ", "as in 6"), "{}", p.person);
                } else {
                    seen[2] += 1;
                    assert!(says("6と異なります", "not as in 6"), "{}", p.person);
                    for h in q.primary_helpers() {
                        assert!(cells.contains(&escaped(&h.name)), "{}", p.person);
                    }
                }
            }
            // Section 6 is the first scenario's helpers, and the sheet says so.
            assert!(html.contains(lang.pick("最初の災害", "first hazard")));
            for h in &p.helpers {
                assert!(html.contains(&escaped(&h.name)));
            }
        }
        // The fixture must exercise every case.
        assert!(seen.iter().all(|n| *n > 0), "{lang:?}: cases seen {seen:?}");
    }
}

/// `plan --scenario a --scenario b --scenario c`: one folder per scenario equal to `plan` with
/// that scenario alone, and hazards.csv rebuilt here from those folders' plans.json.
#[test]
fn plan_with_several_scenarios_writes_each_alone_and_hazards_csv() {
    let bin = env!("CARGO_BIN_EXE_mimamori");
    let tmp = tempfile::tempdir().unwrap();
    let names = [
        "flood-daytime",
        "landslide-heavy-rain",
        "flood-winter-night",
    ];
    let map = root().join("maps/sample-district");
    let run = |args: Vec<std::ffi::OsString>| {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let all = tmp.path().join("all");
    let mut args: Vec<std::ffi::OsString> = vec!["plan".into(), map.clone().into()];
    for n in names {
        args.push("--scenario".into());
        args.push(root().join(format!("scenarios/{n}.toml")).into());
    }
    args.push("--out".into());
    args.push(all.clone().into());
    let console = run(args);
    let mut plans: Vec<serde_json::Value> = Vec::new();
    for n in names {
        let alone = tmp.path().join(n);
        run(vec![
            "plan".into(),
            map.clone().into(),
            "--scenario".into(),
            root().join(format!("scenarios/{n}.toml")).into(),
            "--out".into(),
            alone.clone().into(),
        ]);
        for f in ["plans.json", "uncovered.csv", "summary.json"] {
            assert_eq!(
                std::fs::read_to_string(all.join(n).join(f)).unwrap(),
                std::fs::read_to_string(alone.join(f)).unwrap(),
                "{n}/{f}"
            );
        }
        plans.push(
            serde_json::from_str(&std::fs::read_to_string(alone.join("plans.json")).unwrap())
                .unwrap(),
        );
    }
    // hazards.csv against the plans: helpers and whether they are the first scenario's.
    let mut rdr = csv::Reader::from_path(all.join("hazards.csv")).unwrap();
    let head = rdr.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let helpers_of = |v: &serde_json::Value| -> Option<Vec<String>> {
        let mut ids: Vec<String> = Vec::new();
        if v["family_helper"].as_bool().unwrap_or(false) {
            ids.push("household".into());
        }
        let mut primary: Vec<String> = v["helpers"]
            .as_array()?
            .iter()
            .filter(|h| h["role"] == "primary")
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect();
        primary.sort();
        ids.extend(primary);
        Some(ids)
    };
    let find = |k: usize, person: &str| {
        plans[k]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person"] == person)
            .cloned()
    };
    let (mut rows, mut others, mut none) = (0, [0; 3], [0; 3]);
    for r in rdr.records() {
        let r = r.unwrap();
        rows += 1;
        let person = &r[col("person")];
        let first = find(0, person);
        for (k, n) in names.iter().enumerate() {
            let cell = |c: &str| r[col(&format!("{n}:{c}"))].to_owned();
            let Some(p) = find(k, person) else {
                assert_eq!(cell("helpers"), "", "{person} {n}");
                continue;
            };
            let ids = helpers_of(&p).unwrap();
            assert_eq!(cell("helpers"), ids.join(" "), "{person} {n}");
            assert_eq!(cell("need"), p["evacuation_need"].as_str().unwrap());
            let expected = if !p["needs_help"].as_bool().unwrap() {
                ""
            } else if !p["covered"].as_bool().unwrap() {
                none[k] += 1;
                if first.as_ref().and_then(helpers_of) == Some(ids) {
                    "yes"
                } else {
                    "no"
                }
            } else if first.as_ref().and_then(helpers_of) == Some(ids) {
                "yes"
            } else {
                others[k] += 1;
                "no"
            };
            assert_eq!(cell("helpers_as_first"), expected, "{person} {n}");
        }
    }
    let people = std::fs::read_to_string(map.join("people.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(rows, people, "one row per person on the roster");
    // The console's counts per further scenario are those of the file.
    for k in 1..names.len() {
        let line = console
            .lines()
            .find(|l| l.trim_start().starts_with(names[k]) && l.contains("要支援"))
            .unwrap_or_else(|| panic!("no line for {}: {console}", names[k]));
        assert!(
            line.contains(&format!("別の支援者 {}人", others[k])),
            "{line}"
        );
        assert!(
            line.contains(&format!("支援者なし {}人", none[k])),
            "{line}"
        );
    }
    assert!(
        others[2] + none[2] > 0,
        "the winter night changes nobody's helpers"
    );
}

#[test]
fn one_scenario_sheet_is_unchanged_by_the_multi_hazard_renderer() {
    let map = mimamori::io::mapdir::load_map(&root().join("maps/sample-district")).unwrap();
    let flood = plan_alone(&map, Some("flood-daytime.toml"));
    let index = MapIndex::new(&map);
    for lang in [Lang::Ja, Lang::En] {
        for p in &flood.plans {
            let view = index.view(&render::plan_points(p), MAP_MARGIN_M);
            let one = render::render_sheet(p, &view, lang);
            assert_eq!(one, render::render_sheet_multi(p, &view, &[], lang));
            assert!(
                !one.contains("class=\"h1\"")
                    && !one.contains(lang.pick("最初の災害", "first hazard"))
            );
        }
    }
}
