//! The `mimamori` command: glue between files and the library. The only place that prints,
//! exits, reads the clock or uses `anyhow`.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use mimamori::io::{mapdir, plan_out};
use mimamori::model::{Lang, Map};
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::engine::{HelperStatus, PlanParams, PlanRun, plan_with_progress};
use mimamori::plan::{Counts, Scenario};
use mimamori::spatial::Frame;
use mimamori::{report, synth};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod db_cmd;
mod import_cmd;
mod serve_cmd;
mod sheets_cmd;

#[derive(Parser)]
#[command(
    name = "mimamori",
    version,
    about = "個別避難計画の作成支援 — drafts individual evacuation plans from watch-over records"
)]
struct Cli {
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
        /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
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
        cmd: import_cmd::ImportCmd,
    },
    /// Printable plan sheets (A4), helper route cards and an index, as HTML.
    Sheets {
        /// Map folder (map.toml, roads.geojson, people.csv, ...).
        map: PathBuf,
        /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
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
        /// Also save a PNG of each sheet (A4 at 150 dpi) in OUT/png, made with headless Chromium.
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
    },
    /// The embedded database: import a map folder into it, export one from it.
    Db {
        #[command(subcommand)]
        cmd: db_cmd::DbCmd,
    },
    /// Users of the service: add one (prints their bearer token once).
    User {
        #[command(subcommand)]
        cmd: serve_cmd::UserCmd,
    },
    /// Run the service (HTTP JSON API with roles, consent and an audit log).
    Serve(serve_cmd::ServeArgs),
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
    },
}

fn main() {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`mimamori report ... | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Today's date in Japan (JST, UTC+9): the default as-of date when the map states none.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date()
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
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot load map folder {}", dir.display()))?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "map loaded");
    Ok(loaded)
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Import { cmd } => import_cmd::run(cmd)?,
        Cmd::Db { cmd } => db_cmd::run(cmd)?,
        Cmd::User { cmd } => serve_cmd::run_user(cmd)?,
        Cmd::Serve(args) => serve_cmd::run_serve(args)?,
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
                let (list, stats) = read_shelters(f, ShelterFormat::Gsi, None)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
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
        } => {
            let previous = previous
                .map(|d| plan_out::read_previous(&d))
                .transpose()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (m, run) = run_plan(
                &map,
                scenario.as_deref(),
                as_of.as_deref(),
                params.as_deref(),
                previous.as_ref(),
                true,
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
            print_plan_table(&m, &run, lang.into());
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
            explain(&run, &person, lang.into(), json)?;
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
        } => {
            let (m, mut run) = run_plan(
                &map,
                scenario.as_deref(),
                as_of.as_deref(),
                params.as_deref(),
                None,
                true,
            )?;
            if let Some(code) = &district {
                if m.find_district(code).is_none() {
                    bail!("no district with code {code:?} in {}", map.display());
                }
                run.plans.retain(|p| &p.district == code);
                run.uncovered.retain(|u| &u.district == code);
            }
            let (set, stats) = sheets_cmd::stage_sheets(
                &out,
                &m,
                &run.plans,
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
                Some(screenshots(set.dir(), ids.map(|p| p.person.as_str()))?)
            } else {
                None
            };
            set.commit()
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "{} sheets, {} helper cards → {}",
                stats.sheets,
                stats.cards,
                out.join("index.html").display()
            );
            if let Some(n) = shots {
                println!("{n} PNG screenshots → {}", out.join("png").display());
            }
        }
        Cmd::Report {
            kind:
                ReportCmd::Annual {
                    map,
                    fiscal_year,
                    lang,
                    json,
                },
        } => {
            let m = load(&map)?;
            let r = report::annual(&m, fiscal_year)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_annual(&r, lang.into());
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
    let idx = mimamori::spatial::SpatialIndex::from_map(&map, *g.frame());
    let mut off = serde_json::Map::new();
    let mut off_total = 0;
    let points: [(&str, Vec<mimamori::model::LonLat>); 3] = [
        ("people", map.people.iter().map(|p| p.home).collect()),
        (
            "volunteers",
            map.volunteers.iter().map(|v| v.home).collect(),
        ),
        (
            "shelters",
            map.shelters.iter().map(|s| s.location).collect(),
        ),
    ];
    for (kind, pts) in &points {
        let n = pts
            .iter()
            .filter(|p| g.snap(**p).is_none_or(|s| s.off_network))
            .count();
        off_total += n;
        off.insert((*kind).into(), n.into());
    }
    let largest = g.largest_component().map_or(0, |c| g.component_size(c));
    let roles: serde_json::Map<String, serde_json::Value> = map
        .volunteers_by_role()
        .into_iter()
        .map(|(r, n)| (r.code().to_owned(), n.into()))
        .collect();
    let mut kinds = std::collections::BTreeMap::new();
    for s in &map.shelters {
        *kinds.entry(s.kind.code()).or_insert(0usize) += 1;
    }
    let v = serde_json::json!({
        "map": map.meta.name,
        "people": map.people.len(),
        "volunteers": map.volunteers.len(),
        "volunteers_by_role": roles,
        "shelters": map.shelters.len(),
        "shelters_by_kind": kinds,
        "districts": map.districts.len(),
        "hazard_zones": map.hazards.len(),
        "watch_records": map.records.len(),
        "road_nodes": g.node_count(),
        "road_edges": g.edge_count(),
        "components": g.component_count(),
        "largest_component_nodes": largest,
        "off_network": off_total,
        "off_network_by_kind": off,
        "indexed_points": idx.len(),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for (k, val) in v.as_object().expect("object") {
            println!("{k:<24} {val}");
        }
    }
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
    let params = match params {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read parameter file {}", f.display()))?;
            PlanParams::from_toml(&text)
                .with_context(|| format!("parameter file {}", f.display()))?
        }
        None => PlanParams::default(),
    };
    let (map, as_of) = load_at(dir, as_of)?;
    let scenario = match scenario {
        Some(f) => plan_out::read_scenario(f).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Scenario::default(),
    };
    let g = build_graph(&map)?;
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
    let run = plan_with_progress(
        &map,
        &g,
        &scenario,
        &params,
        as_of,
        previous,
        &mut |done, _| {
            if done.is_multiple_of(64) {
                bar.set_position(done as u64);
            }
        },
    )?;
    bar.finish_and_clear();
    tracing::info!(ms = t.elapsed().as_millis() as u64, "planned");
    Ok((map, run))
}

fn counts_row(label: &str, c: &Counts) -> String {
    let need = |k: &str| c.by_need.get(k).copied().unwrap_or(0);
    [
        c.people,
        c.consented,
        need("leave"),
        need("upstairs"),
        need("stay_home"),
        need("facility"),
        c.need_help,
        c.covered,
        c.with_backup,
        c.uncovered,
        c.high_priority_uncovered,
    ]
    .iter()
    .fold(pad(label, 18), |row, n| format!("{row} {n:>7}"))
}

fn print_plan_table(map: &Map, run: &PlanRun, lang: Lang) {
    let t = |ja, en| lang.pick(ja, en);
    println!(
        "{}: {}  ({} {})",
        t("想定", "Scenario"),
        run.summary.scenario,
        t("作成日", "as of"),
        run.summary.as_of
    );
    let heads = [
        t("対象者", "people"),
        t("同意", "consent"),
        t("要避難", "leave"),
        t("上階", "upstair"),
        t("在宅", "home"),
        t("施設", "facility"),
        t("要支援", "need"),
        t("確保", "covered"),
        t("予備有", "backup"),
        t("未確保", "uncov."),
        t("うち高", "high"),
    ];
    println!(
        "{} {}",
        pad(t("地区", "district"), 18),
        heads.map(|h| rpad(h, 7)).join(" ")
    );
    for d in &map.districts {
        if let Some(c) = run.summary.by_district.get(&d.code) {
            println!("{}", counts_row(&format!("{} {}", d.code, d.name), c));
        }
    }
    println!("{}", counts_row(t("合計", "total"), &run.summary.total));
    println!(
        "{}",
        t(
            "要支援 = 今、支援者が必要な人（立ち退き避難、または上階への移動に介助が必要）。確保・未確保はその内数。",
            "need = people who need a helper now (to leave, or to get upstairs); covered and uncovered count among them."
        )
    );
    println!();
    println!(
        "{}",
        t(
            "支援者が確保できない理由（人数）",
            "Uncovered, by reason (people)"
        )
    );
    for (code, n) in &run.summary.total.by_reason {
        println!("  {} {n:>6}", pad(code, 26));
    }
    let sm = &run.summary;
    println!();
    println!(
        "{}",
        match lang {
            Lang::Ja => format!(
                "見守りの中心の担い手が支援者: {} / {}人（担い手が自分の見守り先で手いっぱいの{}人を除く）。複数人を回る支援者 {}人、予備が手いっぱいの人 {}人。",
                sm.main_watcher_primary,
                sm.main_watcher_eligible - sm.main_watcher_busy_own,
                sm.main_watcher_busy_own,
                sm.helpers_with_rounds,
                sm.backup_busy
            ),
            Lang::En => format!(
                "Main watcher as helper: {} of {} (leaving out {} whose watcher is full with other people they watch). Helpers with a round of several people: {}; backups already full: {}.",
                sm.main_watcher_primary,
                sm.main_watcher_eligible - sm.main_watcher_busy_own,
                sm.main_watcher_busy_own,
                sm.helpers_with_rounds,
                sm.backup_busy
            ),
        }
    );
    if sm.pins_followed + sm.pins_not_followed > 0 {
        println!(
            "{}",
            match lang {
                Lang::Ja => format!(
                    "手動指定: {}件に従い、{}件は従えませんでした（plans.json の警告 pin_not_followed）。",
                    sm.pins_followed, sm.pins_not_followed
                ),
                Lang::En => format!(
                    "Pins: {} followed, {} not (warning pin_not_followed in plans.json).",
                    sm.pins_followed, sm.pins_not_followed
                ),
            }
        );
    }
    if let Some(n) = sm.changed {
        let why: Vec<String> = sm
            .changed_by_reason
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "{}",
            match lang {
                Lang::Ja => format!("前回の計画から変わった人: {n}人（{}）", why.join("、")),
                Lang::En => format!("Changed since the previous plans: {n} ({})", why.join(", ")),
            }
        );
    }
    if !run.summary.matching_optimal {
        println!(
            "{}",
            t(
                "注意: 支援者の組合せは探索上限に達し、最適とは限りません。",
                "Note: the helper matching hit its search budget and may not be optimal."
            )
        );
    }
}

fn explain(run: &PlanRun, person: &str, lang: Lang, json: bool) -> Result<()> {
    let t = |ja, en| lang.pick(ja, en);
    let plan = run.plans.iter().find(|p| p.person == person);
    let Some(ex) = run.explanations.get(person) else {
        println!(
            "{person}: {}",
            t(
                "計画作成の同意がないため、計画は作成していません。",
                "no consent to drafting: no plan was drafted."
            )
        );
        return Ok(());
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"explanation": ex, "plan": plan}))?
        );
        return Ok(());
    }
    if let Some(p) = plan {
        println!(
            "{person}  {} {}  {} {:.1}",
            t("方法", "method"),
            p.method.label(lang),
            t("優先度", "priority"),
            p.priority.score
        );
        for f in &p.priority.factors {
            println!("    × {:.1}  {}", f.multiplier, lang.pick(&f.ja, &f.en));
        }
        for r in &p.reasons {
            println!("  {} {}", t("理由:", "reason:"), r.sentence(lang));
        }
        for w in &p.warnings {
            println!("  {} {}", t("注意:", "warning:"), w.sentence(lang));
        }
    }
    println!("{}", t("避難先の候補", "Destinations considered"));
    for d in &ex.destinations {
        println!(
            "  {:<8} {:>6.1} {}  {}  {}",
            d.id,
            d.evacuation_secs / 60.0,
            t("分", "min"),
            d.name,
            d.status
        );
    }
    println!("{}", t("支援者の候補", "Helpers considered"));
    for h in &ex.helpers {
        let status = helper_status_text(&h.status, lang);
        let watch = if h.watches_person {
            t("見守り中", "watches")
        } else {
            ""
        };
        println!(
            "  {:<8} {:>6.1} {}  {} {}",
            h.id,
            h.travel_secs / 60.0,
            t("分", "min"),
            status,
            watch
        );
    }
    if ex.helpers.is_empty() {
        println!("  {}", t("（なし）", "(none)"));
    }
    Ok(())
}

/// Saves `out/png/<id>.png` for each sheet with headless Chromium (Debian's `chromium`).
fn screenshots<'a>(out: &Path, ids: impl Iterator<Item = &'a str>) -> Result<usize> {
    let chrome = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|c| Path::new(c).exists())
    .context("--screenshot needs Chromium: apt-get install chromium")?;
    let png_dir = out.join("png");
    std::fs::create_dir_all(&png_dir)
        .with_context(|| format!("cannot create {}", png_dir.display()))?;
    let profile = tempfile_dir(out)?;
    let mut n = 0;
    for id in ids {
        let stem = mimamori::render::file_stem(id);
        let html = std::fs::canonicalize(out.join("sheets").join(format!("{stem}.html")))?;
        let png = png_dir.join(format!("{stem}.png"));
        let status = std::process::Command::new(chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
            ])
            .args([
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--screenshot={}", png.display()))
            .arg("--window-size=1240,1754")
            .arg(format!("file://{}", html.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .context("cannot run chromium")?;
        if !status.success() || !png.exists() {
            bail!("chromium made no screenshot of {}", html.display());
        }
        n += 1;
    }
    let _ = std::fs::remove_dir_all(&profile);
    Ok(n)
}

/// A fresh Chromium profile folder under `out`.
fn tempfile_dir(out: &Path) -> Result<PathBuf> {
    let dir = out.join(format!(".chromium-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn helper_status_text(s: &HelperStatus, lang: Lang) -> String {
    let min = |secs: f64| (secs / 60.0).ceil();
    match (s, lang) {
        (HelperStatus::Primary, l) => l.pick("◎ 支援者に選定", "chosen as helper").into(),
        (HelperStatus::Backup { busy_with }, l) if busy_with.is_empty() => {
            l.pick("○ 予備の支援者に選定", "chosen as backup").into()
        }
        (HelperStatus::Backup { busy_with }, Lang::Ja) => format!(
            "○ 予備の支援者に選定（既に{}を支援しており手いっぱい。ほかに予備になれる人がいません）",
            busy_with.join("・")
        ),
        (HelperStatus::Backup { busy_with }, Lang::En) => format!(
            "chosen as backup, although already escorting {} to capacity: nobody else could",
            busy_with.join(", ")
        ),
        (HelperStatus::NotChosen { helps }, Lang::Ja) if helps.is_empty() => {
            "候補（より適した支援者を選定）".into()
        }
        (HelperStatus::NotChosen { helps }, Lang::En) if helps.is_empty() => {
            "eligible; a better-placed helper was chosen".into()
        }
        (HelperStatus::NotChosen { helps }, Lang::Ja) => {
            format!("候補（{}を支援）", helps.join("・"))
        }
        (HelperStatus::NotChosen { helps }, Lang::En) => {
            format!("eligible; escorts {}", helps.join(", "))
        }
        (HelperStatus::NoConsent, l) => l
            .pick("× 計画への記載に未同意", "no consent to be named")
            .into(),
        (HelperStatus::Unavailable, l) => l
            .pick("× この時間帯は対応不可", "not available at this time")
            .into(),
        (HelperStatus::MissingSkill { skill }, Lang::Ja) => format!("× 必要な技能なし（{skill}）"),
        (HelperStatus::MissingSkill { skill }, Lang::En) => format!("lacks the skill: {skill}"),
        (HelperStatus::TooLate { arrival_secs }, Lang::Ja) => {
            format!("× 間に合わない（到着は警報から{}分後）", min(*arrival_secs))
        }
        (HelperStatus::TooLate { arrival_secs }, Lang::En) => {
            format!(
                "too late (arrives {} min after the alert)",
                min(*arrival_secs)
            )
        }
    }
}

/// Display width, counting East Asian wide characters as two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if (c as u32) >= 0x1100 && !matches!(c as u32, 0xFF61..=0xFF9F) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Pads on the right to a display width.
fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// Pads on the left to a display width (right-aligned headers).
fn rpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn print_annual(r: &report::AnnualReport, lang: Lang) {
    let t = |ja, en| lang.pick(ja, en);
    println!(
        "{} ({} – {})",
        t("安心見守り事業 実績", "Watch-over programme results"),
        r.from,
        r.to
    );
    println!(
        "{}",
        match lang {
            Lang::Ja => format!("令和{}年度", r.fiscal_year - 2018),
            Lang::En => format!("fiscal {}", r.fiscal_year),
        }
    );
    for (label, v) in [
        (t("事業実施地区", "Districts active"), r.districts),
        (t("見守り対象者数", "Watched people"), r.watched_people),
        (t("担い手数", "Helpers"), r.helpers),
        (t("世話係数", "Caretakers"), r.caretakers),
        (t("地域コーディネーター数", "Coordinators"), r.coordinators),
        (t("延べ実施回数", "Total activities"), r.activities),
        (t("困りごと発見", "Concerns found"), r.concerns),
        (t("専門機関へのつなぎ", "Referrals"), r.referrals),
    ] {
        println!("  {} {:>9}", pad(label, 26), group(v));
    }
    println!();
    println!("{}", t("方法別", "By method"));
    for (m, n) in &r.by_method {
        println!(
            "  {:<24} {:>9}  {:>5.1}%",
            m.label(lang),
            group(*n),
            100.0 * *n as f64 / r.activities.max(1) as f64
        );
    }
    println!();
    let heads = [
        t("対象者", "people"),
        t("担い手", "helpers"),
        t("世話係", "caretk."),
        t("コーデ", "coord."),
        t("回数", "activ."),
    ];
    println!(
        "{} {} {}",
        pad(t("地区", "code"), 6),
        pad(t("地区名", "district"), 16),
        heads.map(|h| rpad(h, 8)).join(" ")
    );
    for d in &r.by_district {
        println!(
            "{} {} {:>8} {:>8} {:>8} {:>8} {:>8}",
            pad(&d.code, 6),
            pad(&d.name, 16),
            d.watched_people,
            d.helpers,
            d.caretakers,
            d.coordinators,
            group(d.activities)
        );
    }
}

/// 124624 -> "124,624".
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
