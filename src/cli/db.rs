//! `mimamori db ...`: the command-line side of `mimamori::store`.

use anyhow::{Context, Result};
use mimamori::io::mapdir;
use mimamori::io::output::DEFAULT_MAX_DROP_SHARE;
use mimamori::store::{ImportOptions, Store};
use std::path::PathBuf;
use std::time::Instant;

/// The embedded database (one SQLite file): import and export map folders.
#[derive(clap::Subcommand)]
pub enum DbCmd {
    /// Load a map folder into the database, or refresh it: one transaction, so it is written
    /// whole or not at all. Statuses, pins and history of people still present are kept.
    Import {
        /// Map folder (map.toml, roads.geojson, people.csv, ..., and pins.csv if present).
        map: PathBuf,
        /// Database file; created (with its schema) if missing.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Date the roster's dates are judged against, YYYY-MM-DD; default: map.toml's as_of,
        /// else today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Who runs the import (recorded in the audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        user: String,
        /// Largest share (0 to 1) of the stored people, or volunteers, a refresh may remove
        /// without --force (their statuses, pins and plans are deleted).
        #[arg(long, value_name = "SHARE", default_value_t = DEFAULT_MAX_DROP_SHARE)]
        max_drop: f64,
        /// Import even if more than --max-drop of the people or volunteers would be removed.
        #[arg(long)]
        force: bool,
    },
    /// Write the stored map back as a map folder (with pins.csv when there are pins); the folder
    /// is replaced whole or left as it was.
    Export {
        /// Database file.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Map folder to write.
        #[arg(long, value_name = "FOLDER")]
        out: PathBuf,
        /// Who runs the export (recorded in the audit log).
        #[arg(long, env = "USER", default_value = "cli")]
        user: String,
    },
}

/// Opens the database file `db`, which must exist (`Store::open` would create a missing file,
/// and a mistyped path must not).
pub(super) fn open_existing(db: &std::path::Path) -> Result<Store> {
    if !db.is_file() {
        anyhow::bail!("{}: no such database file", db.display());
    }
    Ok(Store::open(db)?)
}

/// Now, in Japan (JST, UTC+9): the store records it in UTC.
pub(super) fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc().to_offset(mimamori::store::JST)
}

pub fn run(cmd: DbCmd) -> Result<()> {
    match cmd {
        DbCmd::Import {
            map,
            db,
            as_of,
            user,
            max_drop,
            force,
        } => {
            if !(0.0..=1.0).contains(&max_drop) {
                anyhow::bail!(
                    "--max-drop {max_drop}: expected a share from 0 to 1 (default \
                     {DEFAULT_MAX_DROP_SHARE})"
                );
            }
            let opts = ImportOptions {
                max_drop_share: (!force).then_some(max_drop),
            };
            let as_of = as_of
                .as_deref()
                .map(mapdir::parse_as_of)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let t = Instant::now();
            let mut store = Store::open(&db)?;
            let r = store.import_map_dir(&map, as_of, &opts, now(), &user)?;
            tracing::info!(ms = t.elapsed().as_millis() as u64, "imported");
            println!(
                "{}: {} districts, {} people, {} volunteers, {} shelters, {} roads, {} hazard \
                 zones, {} watch records{}",
                db.display(),
                r.districts,
                r.people,
                r.volunteers,
                r.shelters,
                r.roads,
                r.hazards,
                r.map_records,
                if r.first_import {
                    " (first import)"
                } else {
                    ""
                }
            );
            println!(
                "people: {} added, {} kept, {} removed; statuses kept: {}; pins kept: {}, from \
                 pins.csv: {}",
                r.people_added.len(),
                r.people_kept,
                r.people_removed.len(),
                r.statuses_kept,
                r.pins_kept,
                r.pins_from_file
            );
            if !r.removed_with_state.is_empty() {
                println!(
                    "removed people whose status, pin or plan was deleted (history kept): {}",
                    r.removed_with_state.join(", ")
                );
            }
            if !r.pins_dangling.is_empty() {
                println!(
                    "pins naming a helper or shelter no longer in the map (kept): {}",
                    r.pins_dangling.join(", ")
                );
            }
            if r.added_records_kept + r.added_records_absorbed + r.added_records_dropped > 0 {
                println!(
                    "watch records added later: {} kept, {} now in watch_records.csv, {} \
                     deleted with their person or volunteer",
                    r.added_records_kept, r.added_records_absorbed, r.added_records_dropped
                );
            }
        }
        DbCmd::Export { db, out, user } => {
            let mut store = open_existing(&db)?;
            store
                .export_map(&out, now(), &user, "db export")
                .with_context(|| format!("cannot export to {}", out.display()))?;
            println!(
                "{}: map folder written from {}",
                out.display(),
                db.display()
            );
        }
    }
    Ok(())
}
