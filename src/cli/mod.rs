//! The commands of the `mimamori` binary: argument parsing, reading and writing files, printing.
//! The only place that prints, exits, reads the clock or uses `anyhow`; what the commands
//! compute (plans, statistics, tables, texts) comes from the library.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use mimamori::io::{mapdir, plan_out};
use mimamori::model::{Lang, Map};
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::engine::{PlanParams, PlanRun, plan_with_progress};
use mimamori::plan::{Scenario, count_noun};
use mimamori::render::text;
use mimamori::spatial::Frame;
use mimamori::{report, synth};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod db;
mod drill;
mod export;
mod import;
mod recruit;
mod screenshot;
mod serve;
mod share;
mod sheets;

#[derive(Parser)]
#[command(
    name = "mimamori",
    version,
    about = "個別避難計画の作成支援 — drafts individual evacuation plans from watch-over records"
)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Ja,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Build a deterministic synthetic city (map folder).
    Generate {
        /// Preset: asahikawa-fy2023 (the seed's fiscal-2023 scale) or sample-district.
        #[arg(long, default_value = "asahikawa-fy2023")]
        preset: String,
        /// Random seed (unsigned integer); the same seed gives the same city, byte for byte.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// Map folder to create; refused if it is not empty, unless --force.
        #[arg(long, value_name = "FOLDER")]
        out: PathBuf,
        /// Real 国土地理院 shelter files (CSV or GeoJSON, sites and/or shelters) to use instead of
        /// generated shelters; may be given more than once.
        #[arg(long, value_name = "FILE")]
        shelters: Vec<PathBuf>,
        /// Replace the map files of a non-empty --out folder (other files still make it refuse).
        #[arg(long)]
        force: bool,
    },
    /// Counts of a map: people, volunteers, shelters, road graph, components, off-network points.
    Info {
        /// Map folder (map.toml, roads.geojson, people.csv, ...).
        map: PathBuf,
        /// Print the counts as one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Draft a plan for every person: helpers, destination, route; who is uncovered and why.
    Plan {
        /// Map folder (map.toml, roads.geojson, people.csv, ...).
        map: PathBuf,
        /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood. Repeat
        /// to plan each hazard alone: one subfolder per scenario (named by the file) and
        /// hazards.csv, who does what in each.
        #[arg(long, value_name = "FILE")]
        scenario: Vec<PathBuf>,
        /// Output folder for plans.json, plans.geojson, uncovered.csv, summary.json; replaced
        /// whole.
        #[arg(long, value_name = "FOLDER", default_value = "out/plan")]
        out: PathBuf,
        /// Date of drafting and of "recent contact", YYYY-MM-DD; default: map.toml's as_of,
        /// else today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Also write the matching problems as solved (JSON) to this file.
        #[arg(long, value_name = "FILE")]
        dump_matching: Option<PathBuf>,
        /// An earlier `plan` output folder: keep its helpers and destinations where still
        /// feasible and not much worse (helpers.keep_tolerance_min); the summary counts what
        /// changed and why.
        #[arg(long, value_name = "FOLDER")]
        previous: Option<PathBuf>,
        /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
        #[arg(long, value_name = "FILE")]
        params: Option<PathBuf>,
        /// Drill results (CSV, see `drill record`): plans of people whose drill showed the
        /// plan failing get a `drill_failed` warning.
        #[arg(long, value_name = "FILE")]
        drill_results: Option<PathBuf>,
        /// Clock time of the drill's alert, HH:MM, for clock times in --drill-results.
        #[arg(long, value_name = "HH:MM", requires = "drill_results")]
        alert_at: Option<String>,
        /// Language of the printed table: ja or en.
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
    },
    /// Every helper and destination considered for one person, and why each was or was not chosen.
    Explain {
        /// Map folder (map.toml, roads.geojson, people.csv, ...).
        map: PathBuf,
        /// The person's id, as in people.csv (e.g. P00042).
        person: String,
        /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Date of drafting, YYYY-MM-DD; default: map.toml's as_of, else today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
        #[arg(long, value_name = "FILE")]
        params: Option<PathBuf>,
        /// Language of the explanation: ja or en.
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        /// Print the explanation and the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every planner parameter with its default, unit and source, as commented TOML.
    Params,
    /// Import real data (OSM roads, GSI shelters, hazard polygons, rosters) into a map folder.
    Import {
        #[command(subcommand)]
        cmd: import::ImportCmd,
    },
    /// Printable plan sheets (A4), helper route cards and an index, as HTML.
    Sheets {
        /// Map folder (map.toml, roads.geojson, people.csv, ...).
        map: PathBuf,
        /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood. Repeat
        /// for one sheet per person across hazards (a column per scenario in sections 7-8;
        /// helpers, cards and index from the first).
        #[arg(long, value_name = "FILE")]
        scenario: Vec<PathBuf>,
        /// Output folder (index.html, sheets/, cards/, png/); replaced whole, so sheets of people
        /// no longer planned disappear.
        #[arg(long, value_name = "FOLDER", default_value = "out/sheets")]
        out: PathBuf,
        /// Language of the sheets: ja or en.
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        /// Only this person's sheet (and their helpers' cards); pages already in --out are
        /// refreshed, or removed if their person no longer has a consented plan.
        #[arg(long, value_name = "ID")]
        person: Option<String>,
        /// Only this district's packet (its people's sheets, their helpers' cards, its index).
        #[arg(long, value_name = "CODE")]
        district: Option<String>,
        /// Also save a PNG of each printed page of each sheet in OUT/png (`<id>-<page>.png`):
        /// printed to PDF with headless Chromium, rasterised with pdftoppm (poppler-utils).
        #[arg(long)]
        screenshot: bool,
        /// Date of drafting, YYYY-MM-DD; default: map.toml's as_of, else today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
        #[arg(long, value_name = "FILE")]
        params: Option<PathBuf>,
        /// Disaster mode (災害時): helper cards also carry the details of people who have not
        /// consented to sharing in normal times (災害対策基本法 49条の11). Default: left out.
        #[arg(long)]
        disaster_mode: bool,
        /// Drill results (CSV, see `drill record`): plans of people whose drill showed the
        /// plan failing get a `drill_failed` warning.
        #[arg(long, value_name = "FILE")]
        drill_results: Option<PathBuf>,
        /// Clock time of the drill's alert, HH:MM, for clock times in --drill-results.
        #[arg(long, value_name = "HH:MM", requires = "drill_results")]
        alert_at: Option<String>,
    },
    /// The embedded database: import a map folder into it, export one from it.
    Db {
        #[command(subcommand)]
        cmd: db::DbCmd,
    },
    /// Users of the service: add one (prints their bearer token once).
    User {
        #[command(subcommand)]
        cmd: serve::UserCmd,
    },
    /// Run the service (HTTP JSON API with roles, consent and an audit log).
    Serve(serve::ServeArgs),
    /// Where to recruit helpers: the blocks, times and kinds of helper that would cover the
    /// most people still without one, checked by re-planning.
    Recruit(recruit::RecruitArgs),
    /// Simulate a district disaster drill: who answers, who arrives before the water, single points of failure.
    Drill(drill::DrillArgs),
    /// The register and its plans as the municipality's Excel workbook (a worksheet per
    /// district) or CSV file: one row per person, plan columns only with consent to a plan.
    Export(export::ExportArgs),
    /// Share good practice across districts: anonymised bundles, comparison, suggestions.
    Share {
        #[command(subcommand)]
        cmd: share::ShareCmd,
    },
    /// Reports over a map's watch records.
    Report {
        #[command(subcommand)]
        kind: ReportCmd,
    },
}

#[derive(Subcommand)]
enum ReportCmd {
    /// The annual watch-over summary (安心見守り事業 実績).
    Annual {
        /// Map folder (map.toml, watch_records.csv, ...).
        map: PathBuf,
        /// Fiscal year (April to March), as the calendar year it starts in, e.g. 2023 for 令和5年度.
        #[arg(long, value_name = "YEAR")]
        fiscal_year: i32,
        /// Language of the report: ja or en.
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Scenario file for the plan progress (TOML, see scenarios/*.toml); default: a daytime
        /// river flood.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Top recruitment targets to list, each checked by re-planning (0: none); default:
        /// recruit.count of the parameters.
        #[arg(long, value_name = "N")]
        targets: Option<usize>,
        /// Leave out the plan progress (no planning run; the watch-over figures only).
        #[arg(long)]
        no_plans: bool,
    },
}

/// Today's date in Japan (JST, UTC+9): the default as-of date when the map states none.
fn today() -> time::Date {
    db::now().date()
}

fn load(dir: &Path) -> Result<Map> {
    load_at(dir, None).map(|(m, _)| m)
}

/// Loads a map judging dates as of `as_of` (`--as-of`), else the map's `as_of`, else today.
fn load_at(dir: &Path, as_of: Option<&str>) -> Result<(Map, time::Date)> {
    let t = Instant::now();
    let as_of = as_of
        .map(mapdir::parse_as_of)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let loaded = mapdir::load_map_at(dir, as_of, today())
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot load map folder {}", dir.display()))?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "map loaded");
    Ok(loaded)
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Import { cmd } => import::run(cmd)?,
        Cmd::Db { cmd } => db::run(cmd)?,
        Cmd::User { cmd } => serve::run_user(cmd)?,
        Cmd::Serve(args) => serve::run_serve(args)?,
        Cmd::Recruit(args) => recruit::run(args)?,
        Cmd::Drill(args) => drill::run(args)?,
        Cmd::Export(args) => export::run(args)?,
        Cmd::Share { cmd } => share::run(cmd)?,
        Cmd::Generate {
            preset,
            seed,
            out,
            shelters,
            force,
        } => {
            let Some(p) = synth::Preset::by_name(&preset) else {
                bail!("unknown preset {preset:?}: expected asahikawa-fy2023 or sample-district");
            };
            use mimamori::io::import::shelters::{ShelterFormat, read_shelters, source_for};
            let mut real = Vec::new();
            let mut sources = Vec::new();
            for f in &shelters {
                let (list, stats) =
                    read_shelters(f, ShelterFormat::Gsi, None).map_err(anyhow::Error::from)?;
                if let Some(kind) = stats.kind {
                    sources.push(source_for(ShelterFormat::Gsi, kind, f));
                }
                real.extend(list);
            }
            let n = mimamori::io::output::entry_count(&out);
            if n > 0 && !force {
                bail!(
                    "{}: refusing to write into a folder that is not empty ({n} entries): its rosters would be replaced; give --force to replace its map files (nothing was changed)",
                    out.display()
                );
            }
            let set =
                mimamori::io::output::Staged::replace(&out, &mimamori::io::output::MAP_FOLDER)?;
            let mut map = synth::generate(&p, seed, (!shelters.is_empty()).then_some(real));
            map.meta.sources.extend(sources);
            mapdir::write_map(set.dir(), &map)
                .with_context(|| format!("cannot write {}", out.display()))?;
            set.commit()
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "{}: {} people, {} volunteers, {} shelters, {} roads, {} hazard zones, {} watch records",
                out.display(),
                map.people.len(),
                map.volunteers.len(),
                map.shelters.len(),
                map.roads.len(),
                map.hazards.len(),
                map.records.len()
            );
        }
        Cmd::Info { map, json } => info(&map, json)?,
        Cmd::Params => print!("{}", mimamori::plan::params::DEFAULT_PARAMS_TOML),
        Cmd::Plan {
            map,
            scenario,
            out,
            as_of,
            dump_matching,
            previous,
            params,
            lang,
            drill_results,
            alert_at,
        } => {
            if scenario.len() > 1 {
                return plan_hazards(
                    &map,
                    &scenario,
                    &out,
                    as_of.as_deref(),
                    dump_matching.as_deref(),
                    previous.as_deref(),
                    params.as_deref(),
                    (drill_results.as_deref(), alert_at.as_deref()),
                    lang.into(),
                );
            }
            let previous = previous
                .map(|d| plan_out::read_previous(&d))
                .transpose()
                .map_err(anyhow::Error::from)?;
            let (m, mut run) = run_plan(
                &map,
                scenario.first().map(PathBuf::as_path),
                as_of.as_deref(),
                params.as_deref(),
                previous.as_ref(),
                true,
            )?;
            drill_warnings(
                &m,
                std::slice::from_mut(&mut run),
                drill_results.as_deref(),
                alert_at.as_deref(),
            )?;
            // A dump inside the output folder belongs to the set; elsewhere it is its own file.
            let mut extra = Vec::new();
            let mut dump_outside = None;
            if let Some(f) = dump_matching {
                let bytes = plan_out::matching_json(&run).into_bytes();
                match (f.parent(), f.file_name()) {
                    (Some(p), Some(name)) if same_dir(p, &out) => {
                        extra.push((name.to_string_lossy().into_owned(), bytes))
                    }
                    _ => dump_outside = Some((f, bytes)),
                }
            }
            plan_out::write_run_with(&out, &run, &extra)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some((f, bytes)) = dump_outside {
                mimamori::io::write_atomic(&f, &bytes)
                    .with_context(|| format!("cannot write {}", f.display()))?;
            }
            print!("{}", text::plan_table(&m, &run, lang.into()));
            println!("→ {}", out.display());
        }
        Cmd::Explain {
            map,
            person,
            scenario,
            as_of,
            params,
            lang,
            json,
        } => {
            let (m, run) = run_plan(
                &map,
                scenario.as_deref(),
                as_of.as_deref(),
                params.as_deref(),
                None,
                false,
            )?;
            if m.find_person(&person).is_none() {
                bail!("no person with id {person:?} in {}", map.display());
            }
            if json {
                let ex = run.explanations.get(&person);
                let plan = run.plans.iter().find(|p| p.person == person);
                let v = serde_json::json!({"explanation": ex, "plan": plan});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print!("{}", text::explain_text(&run, &person, lang.into()));
            }
        }
        Cmd::Sheets {
            map,
            scenario,
            out,
            lang,
            person,
            district,
            screenshot,
            as_of,
            params,
            disaster_mode,
            drill_results,
            alert_at,
        } => {
            // Each hazard planned alone; the first gives helpers, cards and the index, the
            // others a column each on the sheets.
            let files: Vec<&Path> = scenario.iter().map(PathBuf::as_path).collect();
            let (m, mut runs) =
                run_plans(&map, &files, as_of.as_deref(), params.as_deref(), &[], true)?;
            drill_warnings(&m, &mut runs, drill_results.as_deref(), alert_at.as_deref())?;
            let mut run = runs.remove(0);
            let others: Vec<_> = runs.into_iter().map(|r| r.plans).collect();
            if let Some(code) = &district {
                if m.find_district(code).is_none() {
                    bail!("no district with code {code:?} in {}", map.display());
                }
                run.plans.retain(|p| &p.district == code);
                run.uncovered.retain(|u| &u.district == code);
            }
            let (set, stats) = sheets::stage_sheets(
                &out,
                &m,
                &run.plans,
                &others,
                &run.uncovered,
                lang.into(),
                person.as_deref(),
                disaster_mode,
            )?;
            // Screenshots are taken of the staged pages, so they join the same set.
            let shots = if screenshot {
                let ids = run.plans.iter().filter(|p| {
                    p.consent_plan && person.as_deref().is_none_or(|id| id == p.person)
                });
                Some(screenshot::screenshots(
                    set.dir(),
                    ids.map(|p| p.person.as_str()),
                )?)
            } else {
                None
            };
            set.commit()
                .with_context(|| format!("cannot write {}", out.display()))?;
            let lang: Lang = lang.into();
            let index = out.join("index.html");
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "計画書 {}枚、支援者カード {}枚 → {}",
                        stats.sheets,
                        stats.cards,
                        index.display()
                    ),
                    Lang::En => format!(
                        "{}, {} → {}",
                        count_noun(stats.sheets, "sheet", "sheets"),
                        count_noun(stats.cards, "helper card", "helper cards"),
                        index.display()
                    ),
                }
            );
            if let Some(n) = shots {
                let png = out.join("png");
                println!(
                    "{}",
                    match lang {
                        Lang::Ja => format!("印刷ページの画像 {n}枚 → {}", png.display()),
                        Lang::En => format!(
                            "{} → {}",
                            count_noun(n, "PNG of a printed page", "PNGs of printed pages"),
                            png.display()
                        ),
                    }
                );
            }
        }
        Cmd::Report {
            kind:
                ReportCmd::Annual {
                    map,
                    fiscal_year,
                    lang,
                    json,
                    scenario,
                    targets,
                    no_plans,
                },
        } => {
            let (m, as_of) = load_at(&map, None)?;
            let mut r = report::annual(&m, fiscal_year)?;
            if !no_plans {
                r.plan_progress = Some(recruit::progress(&m, as_of, scenario.as_deref(), targets)?);
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", text::annual_table(&r, lang.into()));
            }
        }
    }
    Ok(())
}

/// True when `a` and `b` name the same folder (compared after resolving what exists).
fn same_dir(a: &Path, b: &Path) -> bool {
    let a = if a.as_os_str().is_empty() {
        Path::new(".")
    } else {
        a
    };
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

fn build_graph(map: &Map) -> Result<RoadGraph> {
    let t = Instant::now();
    let g = RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default())
        .context("cannot build the road graph")?;
    tracing::info!(
        ms = t.elapsed().as_millis() as u64,
        nodes = g.node_count(),
        edges = g.edge_count(),
        "graph built"
    );
    Ok(g)
}

fn info(dir: &Path, json: bool) -> Result<()> {
    let map = load(dir)?;
    let g = build_graph(&map)?;
    let v = serde_json::to_value(report::MapInfo::of(&map, &g))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (k, val) in v.as_object().into_iter().flatten() {
            println!("{k:<24} {val}");
        }
    }
    Ok(())
}

/// The planner parameters of `--params FILE`, or the built-in ones.
fn read_params(file: Option<&Path>) -> Result<PlanParams> {
    let Some(f) = file else {
        return Ok(PlanParams::default());
    };
    let text = std::fs::read_to_string(f)
        .with_context(|| format!("cannot read parameter file {}", f.display()))?;
    PlanParams::from_toml(&text).with_context(|| format!("parameter file {}", f.display()))
}

/// The scenario of `--scenario FILE`, or the default (a daytime river flood).
fn read_scenario_or_default(file: Option<&Path>) -> Result<Scenario> {
    match file {
        Some(f) => plan_out::read_scenario(f).map_err(anyhow::Error::from),
        None => Ok(Scenario::default()),
    }
}

/// `--drill-results`: warns the plans (of every scenario in `runs`) of people a real drill
/// showed failing. The results file is read once.
fn drill_warnings(
    map: &Map,
    runs: &mut [PlanRun],
    results: Option<&Path>,
    alert_at: Option<&str>,
) -> Result<()> {
    let Some(f) = results else { return Ok(()) };
    let alert = drill::alert_at(alert_at)?;
    let r = drill::load_results(f, map, alert)?;
    for run in runs {
        let n = mimamori::drill::record::warn_plans(&mut run.plans, &r);
        eprintln!(
            "訓練結果 {}: {n} 件の計画に警告 (drill_failed) / {n} plans warned",
            f.display()
        );
    }
    Ok(())
}

/// `plan` with several `--scenario`s: each hazard planned alone into its own subfolder of
/// `out` (named by the scenario file), plus `hazards.csv`; the console shows each scenario's
/// table and, per further hazard, how many people another hazard gives other helpers or none.
#[allow(clippy::too_many_arguments)]
fn plan_hazards(
    map: &Path,
    scenarios: &[PathBuf],
    out: &Path,
    as_of: Option<&str>,
    dump_matching: Option<&Path>,
    previous: Option<&Path>,
    params: Option<&Path>,
    (drill_results, alert_at): (Option<&Path>, Option<&str>),
    lang: Lang,
) -> Result<()> {
    if dump_matching.is_some() {
        bail!("--dump-matching takes one --scenario: dump each scenario's matching on its own");
    }
    let mut names: Vec<String> = Vec::new();
    for f in scenarios {
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .with_context(|| format!("{} is not a scenario file name", f.display()))?;
        if names.contains(&name) {
            bail!(
                "two --scenario files are named {name:?}: each scenario's plans go to a folder of its file's name, so rename one"
            );
        }
        names.push(name);
    }
    // An earlier several-scenario output: each scenario keeps its own earlier plans.
    let mut earlier = Vec::new();
    if let Some(dir) = previous {
        for name in &names {
            let sub = dir.join(name);
            earlier.push(if sub.is_dir() {
                Some(plan_out::read_previous(&sub).map_err(anyhow::Error::from)?)
            } else {
                None
            });
        }
        if earlier.iter().all(Option::is_none) {
            bail!(
                "--previous {} has no folder for any of the scenarios ({}): give the folder of an earlier `plan` with the same --scenario files",
                dir.display(),
                names.join(", ")
            );
        }
    }
    let earlier_refs: Vec<_> = earlier.iter().map(Option::as_ref).collect();
    let files: Vec<&Path> = scenarios.iter().map(PathBuf::as_path).collect();
    let (m, mut runs) = run_plans(map, &files, as_of, params, &earlier_refs, true)?;
    drill_warnings(&m, &mut runs, drill_results, alert_at)?;
    let named: Vec<(&str, &PlanRun)> = names.iter().map(String::as_str).zip(&runs).collect();
    plan_out::write_runs(out, &named).with_context(|| format!("cannot write {}", out.display()))?;
    for (name, run) in &named {
        println!("── {name}");
        print!("{}", text::plan_table(&m, run, lang));
        println!();
    }
    print!("{}", text::hazards_table(&named, lang));
    println!("→ {}", out.display());
    Ok(())
}

fn run_plan(
    dir: &Path,
    scenario: Option<&Path>,
    as_of: Option<&str>,
    params: Option<&Path>,
    previous: Option<&mimamori::plan::Previous>,
    progress: bool,
) -> Result<(Map, PlanRun)> {
    let scenarios: Vec<&Path> = scenario.into_iter().collect();
    let (map, mut runs) = run_plans(dir, &scenarios, as_of, params, &[previous], progress)?;
    Ok((map, runs.remove(0)))
}

/// Loads the map and builds its road graph once, then plans each of `scenarios` alone (none:
/// the default scenario), with the `previous` run at the same position where there is one.
fn run_plans(
    dir: &Path,
    scenarios: &[&Path],
    as_of: Option<&str>,
    params: Option<&Path>,
    previous: &[Option<&mimamori::plan::Previous>],
    progress: bool,
) -> Result<(Map, Vec<PlanRun>)> {
    let params = read_params(params)?;
    let (map, as_of) = load_at(dir, as_of)?;
    let scenarios: Vec<Scenario> = if scenarios.is_empty() {
        vec![Scenario::default()]
    } else {
        scenarios
            .iter()
            .map(|f| plan_out::read_scenario(f).map_err(anyhow::Error::from))
            .collect::<Result<_>>()?
    };
    let g = build_graph(&map)?;
    // Without a store, a plan is updated by this run: it is next reviewed a period later.
    let next = mimamori::store::ReviewPolicy::default()
        .after(as_of)
        .to_string();
    let mut runs = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        let bar = if progress {
            ProgressBar::new(map.people.len() as u64)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}").expect("valid template"),
        );
        bar.set_message("routing");
        let t = Instant::now();
        let mut run = plan_with_progress(
            &map,
            &g,
            scenario,
            &params,
            as_of,
            previous.get(i).copied().flatten(),
            &mut |done, _| {
                if done.is_multiple_of(64) {
                    bar.set_position(done as u64);
                }
            },
        )?;
        bar.finish_and_clear();
        tracing::info!(ms = t.elapsed().as_millis() as u64, "planned");
        for p in &mut run.plans {
            p.next_review = next.clone();
        }
        runs.push(run);
    }
    Ok((map, runs))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument and option of every command, with the command path, and its help text.
    fn all_args(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String, String)>) {
        for a in cmd.get_arguments() {
            let help = a
                .get_help()
                .or(a.get_long_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push((path.to_owned(), a.get_id().to_string(), help));
        }
        for sub in cmd.get_subcommands() {
            all_args(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_argument_of_every_command_has_help() {
        let mut cmd = Cli::command();
        cmd.build();
        cmd.clone().debug_assert();
        let mut args = Vec::new();
        all_args(&cmd, "mimamori", &mut args);
        // The walk reaches the nested commands (import osm, report annual) and their positionals.
        for (path, id) in [
            ("mimamori import osm", "file"),
            ("mimamori import osm", "into"),
            ("mimamori report annual", "map"),
            ("mimamori explain", "person"),
        ] {
            assert!(
                args.iter().any(|(p, i, _)| p == path && i == id),
                "{path} {id} not found"
            );
        }
        let missing: Vec<String> = args
            .iter()
            .filter(|(_, _, help)| help.trim().is_empty())
            .map(|(p, id, _)| format!("{p} --{id}"))
            .collect();
        assert!(missing.is_empty(), "no help text: {missing:?}");
        // Formats are stated where a value has one.
        for (p, id, help) in &args {
            if id == "as_of" {
                assert!(help.contains("YYYY-MM-DD"), "{p} {id}: {help}");
            }
            if id == "lang" {
                assert!(help.contains("ja or en"), "{p} {id}: {help}");
            }
        }
        // And every command says what it does.
        fn about(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands() {
                let p = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" {
                    assert!(sub.get_about().is_some(), "{p} has no description");
                }
                about(sub, &p);
            }
        }
        about(&cmd, "mimamori");
    }
}
