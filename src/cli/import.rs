//! `mimamori import ...`: the command-line side of `mimamori::io::import`.
//!
//! Each subcommand builds the whole import in memory (validated), prints its counts and notes,
//! and writes the files only when `--dry-run` is not given. Timing goes to the log, not stdout.
//! The files of one import are written together or not at all (a staged copy of the folder is
//! swapped in), and an import that would empty a layer or drop more than `--max-drop` of its
//! records is refused unless `--force`.

use anyhow::{Context, Result, bail};
use mimamori::io::Encoding;
use mimamori::io::import::hazards::{HazardFormat, HazardOptions, plan_hazards};
use mimamori::io::import::osm::{Bbox, plan_osm};
use mimamori::io::import::roster::{RosterKind, plan_roster};
use mimamori::io::import::shelters::{ShelterFormat, plan_shelters};
use mimamori::io::import::{ImportError, Plan};
use mimamori::io::output::{DEFAULT_MAX_DROP_SHARE, Staged, check_shrink};
use mimamori::model::{HazardKind, ShelterKind};
use std::path::PathBuf;
use std::time::Instant;

/// Import real data into a map folder.
#[derive(clap::Subcommand)]
pub enum ImportCmd {
    /// Roads from OpenStreetMap (.osm.pbf, .osm XML or Overpass JSON) into roads.geojson.
    Osm {
        /// OSM file: .osm.pbf, .osm (XML) or .json (Overpass API answer); not compressed.
        file: PathBuf,
        /// Keep whole ways with at least one node inside W,S,E,N (lon, lat, lon, lat in degrees).
        #[arg(long, value_name = "W,S,E,N")]
        bbox: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Evacuation sites or shelters (国土地理院 CSV/GeoJSON, Digital Agency standard dataset).
    Shelters {
        /// File format: gsi or digital-agency.
        #[arg(long, default_value = "gsi")]
        format: String,
        /// Override the kind detected from the columns: evacuation_site or shelter.
        #[arg(long)]
        kind: Option<String>,
        /// Shelter file: CSV (UTF-8 or Shift_JIS) or GeoJSON.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Hazard polygons (国土数値情報 A31a, or any polygon GeoJSON) into hazards.geojson.
    Hazards {
        /// File format: ksj-a31 or geojson.
        #[arg(long)]
        format: String,
        /// Hazard file: GeoJSON (WGS 84 or JGD2011 lon/lat) of Polygons or MultiPolygons.
        file: PathBuf,
        /// river_flood, inland_flood, landslide, house_collapse, tsunami, storm_surge.
        #[arg(long)]
        kind: Option<String>,
        /// Property holding the depth rank 1-6 (A31a default: A31a_205).
        #[arg(long, value_name = "NAME")]
        depth_property: Option<String>,
        /// Property holding the zone id (default: the feature id, else its index).
        #[arg(long, value_name = "NAME")]
        id_property: Option<String>,
        /// Source text stored on each zone and credited in map.toml.
        #[arg(long, value_name = "TEXT")]
        source: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A municipal roster CSV: people, volunteers or watch-records.
    Roster {
        /// Which roster: people, volunteers or watch-records.
        what: String,
        /// Roster CSV file with a header row (columns in docs/data-format.md).
        file: PathBuf,
        /// Text encoding: shift_jis, utf-8 or auto.
        #[arg(long, default_value = "auto")]
        encoding: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Options every import takes.
#[derive(clap::Args)]
pub struct Common {
    /// Map folder to import into (created if missing); its other files are kept.
    #[arg(long, value_name = "FOLDER")]
    into: PathBuf,
    /// Print counts and problems, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write even if a layer would end empty or lose more than --max-drop of its records.
    #[arg(long)]
    force: bool,
    /// Largest share (0 to 1) of a layer's records the import may drop without --force.
    #[arg(long, value_name = "SHARE", default_value_t = DEFAULT_MAX_DROP_SHARE)]
    max_drop: f64,
}

fn finish(what: &str, plan: Result<Plan, ImportError>, common: &Common, t: Instant) -> Result<()> {
    if !(0.0..=1.0).contains(&common.max_drop) {
        bail!(
            "--max-drop {}: expected a share from 0 to 1 (default {DEFAULT_MAX_DROP_SHARE})",
            common.max_drop
        );
    }
    let plan = plan.with_context(|| format!("import {what}: nothing was written"))?;
    let dry_run = common.dry_run;
    println!("import {what}{}:", if dry_run { " (dry run)" } else { "" });
    print!("{plan}");
    let shrinks = check_shrink(&plan.dir, &plan.files, common.max_drop);
    if !shrinks.is_empty() && !common.force {
        let list: Vec<String> = shrinks.iter().map(ToString::to_string).collect();
        let msg = format!(
            "import {what}: refusing to write: {}; give --force to write anyway, or --max-drop to allow a larger share (nothing was written)",
            list.join("; ")
        );
        if dry_run {
            println!("  note: {msg}");
        } else {
            bail!(msg);
        }
    }
    if dry_run {
        println!("dry run: nothing written");
    } else {
        // All files of the import, or none: staged beside the folder and swapped in.
        let set = Staged::update(&plan.dir, None)
            .with_context(|| format!("import {what}: nothing was written"))?;
        for (name, bytes) in &plan.files {
            set.write(name, bytes)
                .with_context(|| format!("import {what}: nothing was written"))?;
        }
        set.commit()
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
        ImportCmd::Osm { file, bbox, common } => {
            let bbox = match bbox {
                None => None,
                Some(s) => Some(Bbox::parse(&s).with_context(|| {
                    format!("--bbox {s:?}: expected W,S,E,N in degrees with W < E and S < N")
                })?),
            };
            finish("osm", plan_osm(&file, &common.into, bbox), &common, t)
        }
        ImportCmd::Shelters {
            format,
            kind,
            file,
            common,
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
            finish(
                "shelters",
                plan_shelters(&file, &common.into, f, kind),
                &common,
                t,
            )
        }
        ImportCmd::Hazards {
            format,
            file,
            kind,
            depth_property,
            id_property,
            source,
            common,
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
            finish(
                "hazards",
                plan_hazards(&file, &common.into, &opts),
                &common,
                t,
            )
        }
        ImportCmd::Roster {
            what,
            file,
            encoding,
            common,
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
            finish(
                "roster",
                plan_roster(kind, &file, &common.into, enc),
                &common,
                t,
            )
        }
    }
}
