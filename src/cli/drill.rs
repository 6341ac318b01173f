//! `mimamori drill`: plans for a scenario, then the drill simulated `--runs` times; writes
//! `drill.json`, `timeline.csv` (run `--show-run`) and `drill.geojson` as one staged set and
//! prints the district table. Glue only: the work is `mimamori::drill`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use mimamori::drill::record::{DrillResult, parse_clock, read_results, summarize, summary_text};
use mimamori::drill::{Drill, calibrate, monte_carlo, report};
use mimamori::io::output::{OutputKind, Staged};
use mimamori::io::plan_out;
use mimamori::model::Map;
use mimamori::plan::engine::plan_with_progress;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `mimamori drill` writes into its `--out` folder.
pub const DRILL_OUTPUT: OutputKind = OutputKind {
    command: "drill",
    known: |rel| matches!(rel, "drill.json" | "timeline.csv" | "drill.geojson"),
    manifest: true,
};

/// What `mimamori drill --kit` writes into its `--out` folder.
pub const KIT_OUTPUT: OutputKind = OutputKind {
    command: "drill --kit",
    known: |rel| {
        matches!(
            rel,
            "timeline.html" | "results-form.html" | "results-form.csv"
        ) || rel
            .strip_prefix("helpers/")
            .is_some_and(|f| !f.contains('/') && f.ends_with(".html"))
    },
    manifest: true,
};

/// What `mimamori drill compare` writes into its `--out` folder.
pub const COMPARE_OUTPUT: OutputKind = OutputKind {
    command: "drill compare",
    known: |rel| {
        matches!(
            rel,
            "compare.json" | "compare.csv" | "compare-districts.csv" | "calibrated-params.toml"
        )
    },
    manifest: true,
};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct DrillArgs {
    #[command(subcommand)]
    cmd: Option<DrillCmd>,
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    #[arg(required = true)]
    map: Option<PathBuf>,
    /// Scenario file (TOML, see scenarios/*.toml) with its optional [drill] table.
    #[arg(long, value_name = "FILE", required = true)]
    scenario: Option<PathBuf>,
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
    /// Write the drill-day kit of --district instead of simulating: timeline.html,
    /// helpers/<id>.html (checklists), results-form.html and results-form.csv (printable A4).
    #[arg(long, requires = "district")]
    kit: bool,
}

/// Real drill results: check a file, or compare it with the plans and calibrate.
#[derive(Subcommand)]
pub enum DrillCmd {
    /// Check a drill results file (results.csv) and print a summary: people recorded,
    /// arrived, problems by code.
    Record(RecordArgs),
    /// Compare drill results with the plans' predicted timeline; write the differences per
    /// person and district and a calibrated parameter file (compare.json, compare.csv,
    /// compare-districts.csv, calibrated-params.toml).
    Compare(CompareArgs),
}

#[derive(Args)]
pub struct RecordArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// Drill results (CSV, UTF-8 or Shift_JIS; columns in docs/data-format.md).
    results: PathBuf,
    /// Clock time of the alert, HH:MM: times in the file may then be clock times.
    #[arg(long, value_name = "HH:MM")]
    alert_at: Option<String>,
    /// Date the map is read at, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Language of the summary: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: super::LangArg,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// Drill results (CSV, UTF-8 or Shift_JIS; columns in docs/data-format.md).
    results: PathBuf,
    /// Scenario file of the drill (TOML, see scenarios/*.toml).
    #[arg(long, value_name = "FILE")]
    scenario: PathBuf,
    /// Output folder for compare.json, compare.csv, compare-districts.csv and
    /// calibrated-params.toml; replaced whole.
    #[arg(long, value_name = "FOLDER", default_value = "out/drill-compare")]
    out: PathBuf,
    /// Clock time of the alert, HH:MM: times in the file may then be clock times.
    #[arg(long, value_name = "HH:MM")]
    alert_at: Option<String>,
    /// Date of drafting the plans, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Planner parameter file (TOML): the prediction uses it, and the calibration starts
    /// from its values.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
}

pub(super) fn alert_at(s: Option<&str>) -> Result<Option<u32>> {
    s.map(|t| parse_clock(t).with_context(|| format!("--alert-at {t:?}: expected HH:MM")))
        .transpose()
}

/// Reads and checks a drill results file against `map`.
pub fn load_results(path: &Path, map: &Map, alert: Option<u32>) -> Result<Vec<DrillResult>> {
    let bytes = mimamori::io::read_bytes(path).map_err(anyhow::Error::from)?;
    read_results(path, &bytes, map, alert).map_err(anyhow::Error::from)
}

fn record(a: RecordArgs) -> Result<()> {
    let alert = alert_at(a.alert_at.as_deref())?;
    let (map, _) = super::load_at(&a.map, a.as_of.as_deref())?;
    let results = load_results(&a.results, &map, alert)?;
    print!(
        "{}",
        summary_text(&summarize(&results, &map), a.lang.into())
    );
    Ok(())
}

fn compare(a: CompareArgs) -> Result<()> {
    let alert = alert_at(a.alert_at.as_deref())?;
    let params = super::read_params(a.params.as_deref())?;
    let (map, as_of) = super::load_at(&a.map, a.as_of.as_deref())?;
    let results = load_results(&a.results, &map, alert)?;
    let scenario = plan_out::read_scenario(&a.scenario).map_err(anyhow::Error::from)?;
    let g = super::build_graph(&map)?;
    let run = plan_with_progress(&map, &g, &scenario, &params, as_of, None, &mut |_, _| {})?;
    let mut drill = Drill::prepare(&map, &g, &scenario, &params, &run)
        .with_context(|| format!("scenario {}", a.scenario.display()))?;
    let c = calibrate::compare(&mut drill, &params, &scenario.name, &results);
    let source = a
        .results
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let toml = calibrate::calibrated_params_toml(&c.calibration, &source);
    // The file must be one `--params` accepts.
    mimamori::plan::engine::PlanParams::from_toml(&toml)
        .context("internal: the calibrated parameter file does not read back")?;
    let set = Staged::replace(&a.out, &COMPARE_OUTPUT)?;
    let mut json = serde_json::to_string_pretty(&c)?;
    json.push('\n');
    let files = [
        ("compare.json", json),
        ("compare.csv", calibrate::compare_csv(&c)),
        ("compare-districts.csv", calibrate::districts_csv(&c)),
        ("calibrated-params.toml", toml),
    ];
    for (name, body) in &files {
        set.write(name, body.as_bytes())
            .with_context(|| format!("cannot write {}", a.out.join(name).display()))?;
    }
    set.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    for f in c
        .calibration
        .preparation_min
        .iter()
        .chain(&c.calibration.walk_factor)
    {
        println!(
            "{:<16} {:>8} → {:<8} ({} obs{})",
            f.key,
            f.before,
            f.value,
            f.observations,
            if f.fitted {
                ""
            } else {
                ", kept / 観測不足"
            }
        );
    }
    println!("→ {}", a.out.display());
    Ok(())
}

pub fn run(a: DrillArgs) -> Result<()> {
    match a.cmd {
        Some(DrillCmd::Record(r)) => return record(r),
        Some(DrillCmd::Compare(c)) => return compare(c),
        None => {}
    }
    let (Some(map_dir), Some(scenario_file)) = (a.map.clone(), a.scenario.clone()) else {
        bail!("mimamori drill MAP --scenario FILE: both are required");
    };
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
    let (map, as_of) = super::load_at(&map_dir, a.as_of.as_deref())?;
    if let Some(code) = &a.district
        && map.find_district(code).is_none()
    {
        bail!("no district with code {code:?} in {}", map_dir.display());
    }
    let scenario = plan_out::read_scenario(&scenario_file).map_err(anyhow::Error::from)?;
    let g = super::build_graph(&map)?;
    let run = plan_with_progress(&map, &g, &scenario, &params, as_of, None, &mut |_, _| {})?;
    let t = Instant::now();
    let drill = Drill::prepare(&map, &g, &scenario, &params, &run)
        .with_context(|| format!("scenario {}", scenario_file.display()))?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "drill prepared");
    if a.kit {
        let code = a.district.as_deref().unwrap_or_default();
        let name = map
            .find_district(code)
            .map(|d| map.districts[d.0 as usize].name.clone())
            .unwrap_or_default();
        let mut drill = drill;
        drill.everyone_present();
        let files =
            mimamori::render::kit::drill_kit(&drill, &run.plans, code, &name, a.lang.into());
        let set = Staged::replace(&a.out, &KIT_OUTPUT)?;
        for (name, body) in &files {
            set.write(name, body.as_bytes())
                .with_context(|| format!("cannot write {}", a.out.join(name).display()))?;
        }
        set.commit()
            .with_context(|| format!("cannot write {}", a.out.display()))?;
        println!("{} files → {}", files.len(), a.out.display());
        return Ok(());
    }
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
