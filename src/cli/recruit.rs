//! `mimamori recruit`: where to recruit helpers, checked by re-planning.

use super::{LangArg, build_graph, load_at};
use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use mimamori::io::output::{OutputKind, Staged};
use mimamori::model::Lang;
use mimamori::plan::engine::{PlanParams, plan};
use mimamori::recruit;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RecruitArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// District code; `all` for the whole map; default: the district with the most people
    /// without the helpers they need.
    #[arg(long, value_name = "CODE")]
    district: Option<String>,
    /// Most helpers to suggest; default: recruit.count in the parameters (5).
    #[arg(long, value_name = "N")]
    count: Option<usize>,
    /// Output folder for recruit.json, recruit.geojson and the A4 page; replaced whole.
    #[arg(long, value_name = "FOLDER", default_value = "out/recruit")]
    out: PathBuf,
    /// Date of drafting, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Language of the table and the page: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
}

/// The files `recruit` writes.
pub const RECRUIT_OUTPUT: OutputKind = OutputKind {
    command: "recruit",
    known: |rel| matches!(rel, "recruit.json" | "recruit.geojson" | "recruit.html"),
    manifest: true,
};

pub fn run(a: RecruitArgs) -> Result<()> {
    let params = super::read_params(a.params.as_deref())?;
    let (map, as_of) = load_at(&a.map, a.as_of.as_deref())?;
    let scenario = super::read_scenario_or_default(a.scenario.as_deref())?;
    let g = build_graph(&map)?;
    let lang: Lang = a.lang.into();
    let t = Instant::now();
    let base = plan(&map, &g, &scenario, &params, as_of)?;
    let district = match a.district.as_deref() {
        Some("all") => None,
        Some(code) => {
            if map.find_district(code).is_none() {
                bail!("no district with code {code:?} in {}", a.map.display());
            }
            Some(code.to_owned())
        }
        None => match recruit::most_uncovered_district(&base) {
            Some(d) => Some(d),
            None => {
                println!(
                    "{}",
                    lang.pick(
                        "支援者のいない人はいません。",
                        "Everyone who needs a helper has one."
                    )
                );
                return Ok(());
            }
        },
    };
    let count = a.count.unwrap_or(params.recruit.count);
    let chosen = recruit::suggest(
        &map,
        &g,
        &scenario,
        &params,
        as_of,
        &base,
        district.as_deref(),
        count,
    )?;
    let bar = ProgressBar::new(chosen.report.suggestions.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}").expect("valid template"),
    );
    bar.set_message(lang.pick("再計画で確認", "re-planning"));
    let report = recruit::verify(
        &map,
        &g,
        &scenario,
        &params,
        as_of,
        &base,
        chosen,
        &mut |k, _| bar.set_position(k as u64),
    )?;
    bar.finish_and_clear();
    tracing::info!(
        ms = t.elapsed().as_millis() as u64,
        suggestions = report.suggestions.len(),
        "recruit done"
    );
    let set = Staged::replace(&a.out, &RECRUIT_OUTPUT)?;
    set.write(
        "recruit.json",
        (serde_json::to_string_pretty(&report)? + "\n").as_bytes(),
    )?;
    set.write(
        "recruit.geojson",
        (serde_json::to_string(&recruit::geojson(&report))? + "\n").as_bytes(),
    )?;
    set.write(
        "recruit.html",
        mimamori::render::recruit::recruit_page(&map, &report, lang).as_bytes(),
    )?;
    set.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    print!("{}", recruit::text::recruit_table(&report, lang));
    println!("→ {}", a.out.display());
    Ok(())
}

/// Plan progress per district for `report annual`: one planning run of `map` (the default
/// parameters) and the top `targets` recruitment suggestions for the whole map, checked by
/// re-planning.
pub fn progress(
    map: &mimamori::model::Map,
    as_of: time::Date,
    scenario: Option<&std::path::Path>,
    targets: Option<usize>,
) -> Result<mimamori::report::PlanProgress> {
    let params = PlanParams::default();
    let scenario = super::read_scenario_or_default(scenario)?;
    let g = build_graph(map)?;
    let base = plan(map, &g, &scenario, &params, as_of)?;
    let count = targets.unwrap_or(params.recruit.count);
    let suggestions = if count == 0 || base.summary.total.uncovered == 0 {
        Vec::new()
    } else {
        let chosen = recruit::suggest(map, &g, &scenario, &params, as_of, &base, None, count)?;
        recruit::verify(
            map,
            &g,
            &scenario,
            &params,
            as_of,
            &base,
            chosen,
            &mut |_, _| {},
        )?
        .suggestions
    };
    Ok(mimamori::report::plan_progress(map, &base, suggestions))
}
