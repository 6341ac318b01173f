//! The `mimamori` command: glue between files and the library. The only place that prints,
//! exits, reads the clock or uses `anyhow`.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use mimamori::io::mapdir;
use mimamori::model::{Lang, Map};
use mimamori::{report, synth};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod import_cmd;

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
    },
    /// Import real data (OSM roads, GSI shelters, hazard polygons, rosters) into a map folder.
    Import {
        #[command(subcommand)]
        cmd: import_cmd::ImportCmd,
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
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn load(dir: &Path) -> Result<Map> {
    let t = Instant::now();
    let map = mapdir::load_map(dir)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot load map folder {}", dir.display()))?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "map loaded");
    Ok(map)
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Import { cmd } => import_cmd::run(cmd)?,
        Cmd::Generate { preset, seed, out } => {
            let Some(p) = synth::Preset::by_name(&preset) else {
                bail!("unknown preset {preset:?}: expected asahikawa-fy2023 or sample-district");
            };
            let map = synth::generate(&p, seed, None);
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
            let r = report::annual(&m, fiscal_year);
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_annual(&r, lang.into());
            }
        }
    }
    Ok(())
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
        println!("  {label:<24} {:>9}", group(v));
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
    println!(
        "{:<6} {:<16} {:>6} {:>6} {:>6} {:>6} {:>8}",
        t("地区", "code"),
        t("地区名", "district"),
        t("対象者", "people"),
        t("担い手", "helpers"),
        t("世話係", "caretk."),
        t("コーデ", "coord."),
        t("回数", "activ.")
    );
    for d in &r.by_district {
        println!(
            "{:<6} {:<16} {:>6} {:>6} {:>6} {:>6} {:>8}",
            d.code,
            d.name,
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
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
