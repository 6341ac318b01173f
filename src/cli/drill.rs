//! `mimamori drill`: plans for a scenario, then the drill simulated `--runs` times; writes
//! `drill.json`, `timeline.csv` (run `--show-run`) and `drill.geojson` as one staged set and
//! prints the district table. Glue only: the work is `mimamori::drill`.

use anyhow::{Context, Result, bail};
use clap::Args;
use mimamori::drill::{Drill, monte_carlo, report};
use mimamori::io::output::{OutputKind, Staged};
use mimamori::io::plan_out;
use mimamori::plan::engine::plan_with_progress;
use std::path::PathBuf;
use std::time::Instant;

/// What `mimamori drill` writes into its `--out` folder.
pub const DRILL_OUTPUT: OutputKind = OutputKind {
    command: "drill",
    known: |rel| matches!(rel, "drill.json" | "timeline.csv" | "drill.geojson"),
    manifest: true,
};

#[derive(Args)]
pub struct DrillArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// Scenario file (TOML, see scenarios/*.toml) with its optional [drill] table.
    #[arg(long, value_name = "FILE")]
    scenario: PathBuf,
    /// Number of simulated runs (Monte Carlo).
    #[arg(long, default_value_t = 1000)]
    runs: u32,
    /// Random seed (unsigned integer); the same seed gives the same drill.json, whatever the
    /// number of threads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this district's people (and the helpers they share with others).
    #[arg(long, value_name = "CODE")]
    district: Option<String>,
    /// Output folder for drill.json, timeline.csv, drill.geojson; replaced whole.
    #[arg(long, value_name = "FOLDER", default_value = "out/drill")]
    out: PathBuf,
    /// The run written to timeline.csv (0 = the first).
    #[arg(long, value_name = "K", default_value_t = 0)]
    show_run: u32,
    /// Date of drafting the plans, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Planner parameter file (TOML, any subset of `mimamori params`, [drill] included).
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Language of the printed table: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: super::LangArg,
}

pub fn run(a: DrillArgs) -> Result<()> {
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if a.show_run >= a.runs {
        bail!(
            "--show-run {} is not a run: runs are 0 to {}",
            a.show_run,
            a.runs - 1
        );
    }
    let params = super::read_params(a.params.as_deref())?;
    let (map, as_of) = super::load_at(&a.map, a.as_of.as_deref())?;
    if let Some(code) = &a.district
        && map.find_district(code).is_none()
    {
        bail!("no district with code {code:?} in {}", a.map.display());
    }
    let scenario = plan_out::read_scenario(&a.scenario).map_err(|e| anyhow::anyhow!("{e}"))?;
    let g = super::build_graph(&map)?;
    let run = plan_with_progress(&map, &g, &scenario, &params, as_of, None, &mut |_, _| {})?;
    let t = Instant::now();
    let drill = Drill::prepare(&map, &g, &scenario, &params, &run)
        .with_context(|| format!("scenario {}", a.scenario.display()))?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "drill prepared");
    let t = Instant::now();
    let r = monte_carlo(
        &drill,
        &scenario.name,
        a.runs,
        a.seed,
        a.district.as_deref(),
    );
    tracing::info!(
        ms = t.elapsed().as_millis() as u64,
        runs = a.runs,
        "drill simulated"
    );
    let (_, events) = drill.timeline(a.seed, a.show_run, a.district.as_deref());
    let set = Staged::replace(&a.out, &DRILL_OUTPUT)?;
    let mut json = serde_json::to_string_pretty(&r)?;
    json.push('\n');
    let files = [
        ("drill.json", json),
        ("timeline.csv", report::timeline_csv(&drill, &events)),
        ("drill.geojson", report::drill_geojson(&drill, &map, &r)),
    ];
    for (name, body) in &files {
        set.write(name, body.as_bytes())
            .with_context(|| format!("cannot write {}", a.out.join(name).display()))?;
    }
    set.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    print!("{}", report::district_table(&r, a.lang.into()));
    println!("→ {}", a.out.display());
    Ok(())
}
