//! `sheets --scenario a.toml --scenario b.toml`: one sheet per person with a block per hazard,
//! each block as that scenario plans it alone; one scenario gives today's sheet unchanged.

#[path = "../src/cli/sheets.rs"]
mod sheets_cmd;

use mimamori::model::{Lang, Map};
use mimamori::plan::{Plan, PlanRun, scenario_title};
use mimamori::render::{self, MAP_MARGIN_M, MapIndex};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plan_alone(map: &Map, scenario: &str) -> PlanRun {
    let graph = mimamori::network::RoadGraph::build(
        &map.roads,
        mimamori::spatial::Frame::for_map(map),
        Default::default(),
    )
    .unwrap();
    let s =
        mimamori::io::plan_out::read_scenario(&root().join("scenarios").join(scenario)).unwrap();
    mimamori::plan::plan(
        map,
        &graph,
        &s,
        &Default::default(),
        time::macros::date!(2024 - 04 - 01),
    )
    .unwrap()
}

/// The destination text a sheet shows for `p` (its shelter's name, or nothing when staying).
fn destination(p: &Plan) -> Option<String> {
    p.destination
        .as_ref()
        .filter(|_| p.route.len() > 1)
        .map(|d| d.name.clone())
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[test]
fn two_scenarios_give_one_sheet_per_person_with_each_scenario_as_planned_alone() {
    let map = mimamori::io::mapdir::load_map(&root().join("maps/sample-district")).unwrap();
    let flood = plan_alone(&map, "flood-daytime.toml");
    let slide = plan_alone(&map, "landslide-heavy-rain.toml");
    let tmp = tempfile::tempdir().unwrap();
    for lang in [Lang::Ja, Lang::En] {
        let out = tmp.path().join(format!("{lang:?}"));
        let (set, stats) = sheets_cmd::stage_sheets(
            &out,
            &map,
            &flood.plans,
            std::slice::from_ref(&slide.plans),
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
        let mut differing = 0;
        let mut other_helpers = 0;
        for p in consented {
            let html = std::fs::read_to_string(
                out.join("sheets")
                    .join(format!("{}.html", render::file_stem(&p.person))),
            )
            .unwrap();
            let q = slide
                .plans
                .iter()
                .find(|q| q.person == p.person)
                .expect("the same roster plans the same people");
            for (plan, title) in [
                (p, scenario_title(p.hazard, &p.scenario, lang)),
                (q, scenario_title(q.hazard, &q.scenario, lang)),
            ] {
                assert!(
                    html.contains(&escaped(&title)),
                    "{}: no {title:?}",
                    p.person
                );
                if let Some(d) = destination(plan) {
                    assert!(html.contains(&escaped(&d)), "{}: no {d:?}", p.person);
                }
            }
            // The table's second column (cells `h2`) names the landslide destination; the first
            // column (`h1`) the flood's.
            let column = |n: usize| -> String {
                let tag = format!("<td class=\"h{n}\">");
                html.split(&tag)
                    .skip(1)
                    .map(|c| c.split("</td>").next().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let (first, block) = (column(1), column(2));
            assert!(!block.is_empty() && column(3).is_empty(), "{}", p.person);
            for (plan, cells) in [(p, &first), (q, &block)] {
                if let Some(d) = destination(plan) {
                    assert!(cells.contains(&escaped(&d)), "{}: {d:?}", p.person);
                }
            }
            if destination(p) != destination(q) {
                differing += 1;
            }
            // Column 2 says whether its helpers are section 6's, naming them when not.
            let primaries = |x: &Plan| {
                let mut v: Vec<String> = x.primary_helpers().map(|h| h.id.clone()).collect();
                v.sort();
                (x.family_helper, v)
            };
            if primaries(p) == primaries(q) {
                assert!(
                    block.contains(lang.pick("6と同じ", "as in 6")),
                    "{}",
                    p.person
                );
            } else {
                other_helpers += 1;
                assert!(
                    block.contains(lang.pick("6と異なります", "not as in 6")),
                    "{}",
                    p.person
                );
                for h in q.primary_helpers() {
                    assert!(block.contains(&escaped(&h.name)), "{}", p.person);
                }
            }
            // The helpers are the first scenario's, and the sheet says so.
            assert!(html.contains(lang.pick("最初の災害", "first hazard")));
            for h in &p.helpers {
                assert!(html.contains(&escaped(&h.name)));
            }
        }
        // The fixture must exercise the case where the hazards send people to different places.
        assert!(
            differing > 0,
            "every destination is the same in both scenarios"
        );
        eprintln!("{lang:?}: {differing} destinations and {other_helpers} helper sets differ");
    }
}

#[test]
fn one_scenario_sheet_is_unchanged_by_the_multi_hazard_renderer() {
    let map = mimamori::io::mapdir::load_map(&root().join("maps/sample-district")).unwrap();
    let flood = plan_alone(&map, "flood-daytime.toml");
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
