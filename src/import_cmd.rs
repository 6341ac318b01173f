//! `mimamori import ...`: the command-line side of `mimamori::io::import`.
//!
//! Each subcommand builds the whole import in memory (validated), prints its counts and notes,
//! and writes the files only when `--dry-run` is not given. Timing goes to the log, not stdout.

use anyhow::{Context, Result, bail};
use mimamori::io::Encoding;
use mimamori::io::import::hazards::{HazardFormat, HazardOptions, plan_hazards};
use mimamori::io::import::osm::{Bbox, plan_osm};
use mimamori::io::import::roster::{RosterKind, plan_roster};
use mimamori::io::import::shelters::{ShelterFormat, plan_shelters};
use mimamori::io::import::{ImportError, Plan};
use mimamori::model::{HazardKind, ShelterKind};
use std::path::PathBuf;
use std::time::Instant;

/// Import real data into a map folder.
#[derive(clap::Subcommand)]
pub enum ImportCmd {
    /// Roads from OpenStreetMap (.osm.pbf, .osm XML or Overpass JSON) into roads.geojson.
    Osm {
        file: PathBuf,
        /// Keep whole ways with at least one node inside W,S,E,N (lon, lat, lon, lat).
        #[arg(long)]
        bbox: Option<String>,
        #[arg(long)]
        into: PathBuf,
        /// Print counts and problems, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Evacuation sites or shelters (国土地理院 CSV/GeoJSON, Digital Agency standard dataset).
    Shelters {
        /// gsi or digital-agency.
        #[arg(long, default_value = "gsi")]
        format: String,
        /// Override the kind detected from the columns: evacuation_site or shelter.
        #[arg(long)]
        kind: Option<String>,
        file: PathBuf,
        #[arg(long)]
        into: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Hazard polygons (国土数値情報 A31a, or any polygon GeoJSON) into hazards.geojson.
    Hazards {
        /// ksj-a31 or geojson.
        #[arg(long)]
        format: String,
        file: PathBuf,
        #[arg(long)]
        into: PathBuf,
        /// river_flood, inland_flood, landslide, house_collapse, tsunami, storm_surge.
        #[arg(long)]
        kind: Option<String>,
        /// Property holding the depth rank 1-6 (A31a default: A31a_205).
        #[arg(long)]
        depth_property: Option<String>,
        /// Property holding the zone id (default: the feature id, else its index).
        #[arg(long)]
        id_property: Option<String>,
        /// Source text stored on each zone and credited in map.toml.
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
    /// A municipal roster CSV: people, volunteers or watch-records.
    Roster {
        /// people, volunteers or watch-records.
        what: String,
        file: PathBuf,
        #[arg(long)]
        into: PathBuf,
        /// shift_jis, utf-8 or auto.
        #[arg(long, default_value = "auto")]
        encoding: String,
        #[arg(long)]
        dry_run: bool,
    },
}

fn finish(what: &str, plan: Result<Plan, ImportError>, dry_run: bool, t: Instant) -> Result<()> {
    let plan = plan.with_context(|| format!("import {what}: nothing was written"))?;
    println!("import {what}{}:", if dry_run { " (dry run)" } else { "" });
    print!("{plan}");
    if dry_run {
        println!("dry run: nothing written");
    } else {
        plan.write()
            .with_context(|| format!("import {what}: writing {}", plan.dir.display()))?;
        println!("written to {}", plan.dir.display());
    }
    tracing::info!(ms = t.elapsed().as_millis() as u64, "import {what} done");
    Ok(())
}

/// Runs one import subcommand.
pub fn run(cmd: ImportCmd) -> Result<()> {
    let t = Instant::now();
    match cmd {
        ImportCmd::Osm {
            file,
            bbox,
            into,
            dry_run,
        } => {
            let bbox = match bbox {
                None => None,
                Some(s) => Some(Bbox::parse(&s).with_context(|| {
                    format!("--bbox {s:?}: expected W,S,E,N in degrees with W < E and S < N")
                })?),
            };
            finish("osm", plan_osm(&file, &into, bbox), dry_run, t)
        }
        ImportCmd::Shelters {
            format,
            kind,
            file,
            into,
            dry_run,
        } => {
            let Some(f) = ShelterFormat::parse(&format) else {
                bail!("--format {format:?}: expected gsi or digital-agency");
            };
            let kind = match kind {
                None => None,
                Some(k) => match ShelterKind::parse(&k) {
                    Some(k) => Some(k),
                    None => bail!("--kind {k:?}: expected {}", ShelterKind::expected()),
                },
            };
            finish("shelters", plan_shelters(&file, &into, f, kind), dry_run, t)
        }
        ImportCmd::Hazards {
            format,
            file,
            into,
            kind,
            depth_property,
            id_property,
            source,
            dry_run,
        } => {
            let Some(format) = HazardFormat::parse(&format) else {
                bail!("--format {format:?}: expected ksj-a31 or geojson");
            };
            let kind = match kind {
                None => None,
                Some(k) => match HazardKind::parse(&k) {
                    Some(k) => Some(k),
                    None => bail!("--kind {k:?}: expected {}", HazardKind::expected()),
                },
            };
            let opts = HazardOptions {
                format,
                kind,
                depth_property,
                id_property,
                source,
            };
            finish("hazards", plan_hazards(&file, &into, &opts), dry_run, t)
        }
        ImportCmd::Roster {
            what,
            file,
            into,
            encoding,
            dry_run,
        } => {
            let kind = match what.as_str() {
                "people" => RosterKind::People,
                "volunteers" => RosterKind::Volunteers,
                "watch-records" | "watch_records" => RosterKind::WatchRecords,
                _ => bail!("{what:?}: expected people, volunteers or watch-records"),
            };
            let Some(enc) = Encoding::parse(&encoding) else {
                bail!("--encoding {encoding:?}: expected shift_jis, utf-8 or auto");
            };
            finish("roster", plan_roster(kind, &file, &into, enc), dry_run, t)
        }
    }
}
