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

mod import_cmd;
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
        /// asahikawa-fy2023 (the seed's fiscal-2023 scale) or sample-district.
        #[arg(long, default_value = "asahikawa-fy2023")]
        preset: String,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Real 国土地理院 shelter files (CSV or GeoJSON, sites and/or shelters) to use instead of
        /// generated shelters; may be given more than once.
        #[arg(long)]
        shelters: Vec<PathBuf>,
    },
    /// Counts of a map: people, volunteers, shelters, road graph, components, off-network points.
    Info {
        map: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Draft a plan for every person: helpers, destination, route; who is uncovered and why.
    Plan {
        map: PathBuf,
        /// Scenario file (scenarios/*.toml); default: a daytime river flood.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Output folder for plans.json, plans.geojson, uncovered.csv, summary.json.
        #[arg(long, default_value = "out/plan")]
        out: PathBuf,
        /// Date of drafting and of "recent contact" (YYYY-MM-DD); default: map.toml's as_of, else today.
        #[arg(long)]
        as_of: Option<String>,
        /// Also write the matching problems as solved (JSON) to this file.
        #[arg(long)]
        dump_matching: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
    },
    /// Every helper and destination considered for one person, and why each was or was not chosen.
    Explain {
        map: PathBuf,
        person: String,
        #[arg(long)]
        scenario: Option<PathBuf>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        #[arg(long)]
        json: bool,
    },
    /// Import real data (OSM roads, GSI shelters, hazard polygons, rosters) into a map folder.
    Import {
        #[command(subcommand)]
        cmd: import_cmd::ImportCmd,
    },
    /// Printable plan sheets (A4), helper route cards and an index, as HTML.
    Sheets {
        map: PathBuf,
        #[arg(long)]
        scenario: Option<PathBuf>,
        #[arg(long, default_value = "out/sheets")]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        /// Only this person's sheet (and their helpers' cards).
        #[arg(long)]
        person: Option<String>,
        /// Only this district's packet (its people's sheets, their helpers' cards, its index).
        #[arg(long)]
        district: Option<String>,
        /// Also save a PNG of each sheet (A4 at 150 dpi) in OUT/png, made with headless Chromium.
        #[arg(long)]
        screenshot: bool,
        #[arg(long)]
        as_of: Option<String>,
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
        map: PathBuf,
        #[arg(long)]
        fiscal_year: i32,
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
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
        Cmd::Generate {
            preset,
            seed,
            out,
            shelters,
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
            let mut map = synth::generate(&p, seed, (!shelters.is_empty()).then_some(real));
            map.meta.sources.extend(sources);
            mapdir::write_map(&out, &map)
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
        Cmd::Plan {
            map,
            scenario,
            out,
            as_of,
            dump_matching,
            lang,
        } => {
            let (m, run) = run_plan(&map, scenario.as_deref(), as_of.as_deref(), true)?;
            plan_out::write_run(&out, &run)
                .with_context(|| format!("cannot write {}", out.display()))?;
            if let Some(f) = dump_matching {
                mimamori::io::write_atomic(&f, plan_out::matching_json(&run).as_bytes())
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
            lang,
            json,
        } => {
            let (m, run) = run_plan(&map, scenario.as_deref(), as_of.as_deref(), false)?;
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
        } => {
            let (m, mut run) = run_plan(&map, scenario.as_deref(), as_of.as_deref(), true)?;
            if let Some(code) = &district {
                if m.find_district(code).is_none() {
                    bail!("no district with code {code:?} in {}", map.display());
                }
                run.plans.retain(|p| &p.district == code);
                run.uncovered.retain(|u| &u.district == code);
            }
            let stats = sheets_cmd::write_sheets(
                &out,
                &m,
                &run.plans,
                &run.uncovered,
                lang.into(),
                person.as_deref(),
            )?;
            println!(
                "{} sheets, {} helper cards → {}",
                stats.sheets,
                stats.cards,
                out.join("index.html").display()
            );
            if screenshot {
                let ids = run.plans.iter().filter(|p| {
                    p.consent_plan && person.as_deref().is_none_or(|id| id == p.person)
                });
                let n = screenshots(&out, ids.map(|p| p.person.as_str()))?;
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
    progress: bool,
) -> Result<(Map, PlanRun)> {
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
        &PlanParams::default(),
        as_of,
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
    format!(
        "{} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        pad(label, 18),
        c.people,
        c.consented,
        c.planned,
        c.covered,
        c.with_backup,
        c.stay_upstairs,
        c.uncovered,
        c.high_priority_uncovered
    )
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
        t("作成", "planned"),
        t("支援者有", "covered"),
        t("予備有", "backup"),
        t("上階", "upstair"),
        t("未確保", "uncov."),
        t("うち高", "high"),
    ];
    println!(
        "{} {}",
        pad(t("地区", "district"), 18),
        heads.map(|h| rpad(h, 8)).join(" ")
    );
    for d in &map.districts {
        if let Some(c) = run.summary.by_district.get(&d.code) {
            println!("{}", counts_row(&format!("{} {}", d.code, d.name), c));
        }
    }
    println!("{}", counts_row(t("合計", "total"), &run.summary.total));
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
        (HelperStatus::Backup, l) => l.pick("○ 予備の支援者に選定", "chosen as backup").into(),
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
        (HelperStatus::TooLate { total_secs }, Lang::Ja) => {
            format!("× 間に合わない（合計{}分）", min(*total_secs))
        }
        (HelperStatus::TooLate { total_secs }, Lang::En) => {
            format!("too late ({} min in all)", min(*total_secs))
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
