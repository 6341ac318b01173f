//! `mimamori export`: the register and its plans as the municipality's own Excel workbook or
//! CSV file (`mimamori::export` builds the table; this is glue). A personal-data export: it
//! prints counts only, and with `--db` appends an entry to the store's audit log.

use super::{LangArg, build_graph, load_at, read_params, read_scenario_or_default, today};
use anyhow::{Context, Result, bail};
use mimamori::export::{self, CsvEncoding, ExportContext, PlanState, ScenarioPlans};
use mimamori::model::Lang;
use mimamori::plan::engine::plan;
use mimamori::store::AuditEntry;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Excel workbook, one worksheet per district.
    Xlsx,
    /// One CSV file.
    Csv,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 with a BOM (Excel opens it as UTF-8).
    #[value(name = "utf-8")]
    Utf8,
    /// Shift_JIS (Windows-31J).
    #[value(name = "shift_jis")]
    ShiftJis,
}

/// Arguments of `mimamori export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...); may be left out with --db, which
    /// then supplies the map.
    #[arg(required_unless_present = "db")]
    map: Option<PathBuf>,
    /// File format: xlsx (a workbook with a worksheet per district) or csv.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Text encoding of a CSV file: utf-8 (with BOM, the default) or shift_jis.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: EncodingArg,
    /// Language of the headers and labels: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// File to write (replaced whole, or left as it was if the export fails).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Scenario file (TOML); repeat for one set of destination / method / timing columns per
    /// hazard (--scenario flood.toml --scenario landslide.toml); default: a daytime river flood.
    #[arg(long, value_name = "FILE")]
    scenario: Vec<PathBuf>,
    /// Date of drafting, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// The district office's database (`mimamori db import`): plan statuses, update and review
    /// dates come from it, the map too when no MAP is given, and the export is recorded in
    /// its audit log.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Who runs the export (recorded in the audit log with --db).
    #[arg(long, env = "USER", default_value = "cli")]
    user: String,
}

pub fn run(a: ExportArgs) -> Result<()> {
    if matches!(a.format, FormatArg::Xlsx) && matches!(a.encoding, EncodingArg::ShiftJis) {
        bail!("--encoding applies to --format csv only (a workbook has no text encoding)");
    }
    let mut store = match &a.db {
        Some(db) => Some(super::db::open_existing(db)?),
        None => None,
    };
    let (map, as_of) = match (&a.map, &store) {
        (Some(dir), _) => load_at(dir, a.as_of.as_deref())?,
        (None, Some(s)) => {
            let m = s.map().context("cannot read the map from the database")?;
            let as_of = match &a.as_of {
                Some(t) => mimamori::io::mapdir::parse_as_of(t).map_err(anyhow::Error::msg)?,
                None => m.meta.as_of.unwrap_or_else(today),
            };
            (m, as_of)
        }
        (None, None) => bail!("give a map folder or --db"),
    };
    let params = read_params(a.params.as_deref())?;
    let scenario_files: Vec<Option<&std::path::Path>> = if a.scenario.is_empty() {
        vec![None]
    } else {
        a.scenario.iter().map(|p| Some(p.as_path())).collect()
    };
    let g = build_graph(&map)?;
    let mut runs = Vec::new();
    for f in &scenario_files {
        let s = read_scenario_or_default(*f)?;
        let run = plan(&map, &g, &s, &params, as_of)
            .with_context(|| format!("cannot plan scenario {:?}", s.name))?;
        runs.push((s, run));
    }
    let scenarios: Vec<ScenarioPlans> = runs
        .iter()
        .map(|(s, r)| ScenarioPlans {
            hazard: s.hazard,
            scenario: &s.name,
            scenario_en: &s.name_en,
            plans: &r.plans,
        })
        .collect();
    let mut states = BTreeMap::new();
    if let Some(s) = &store {
        for id in s.person_ids()? {
            let st = s.status(&id)?;
            states.insert(
                id,
                PlanState {
                    status: st.status,
                    updated: st.changed_at.map(|t| t.date()),
                    review_due: st.review_due,
                },
            );
        }
    }
    let ctx = ExportContext {
        as_of: Some(as_of),
        states,
        review: Default::default(),
    };
    let lang: Lang = a.lang.into();
    let table = export::build(&map, &scenarios, &ctx, lang);
    let bytes = match (a.format, a.encoding) {
        (FormatArg::Xlsx, _) => export::to_xlsx(&table)?,
        (FormatArg::Csv, EncodingArg::Utf8) => export::to_csv(&table, CsvEncoding::Utf8Bom)?,
        (FormatArg::Csv, EncodingArg::ShiftJis) => export::to_csv(&table, CsvEncoding::ShiftJis)?,
    };
    mimamori::io::write_atomic(&a.out, &bytes)
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    if let Some(s) = &mut store {
        let entry = AuditEntry {
            user: a.user.clone(),
            person_id: None,
            fields: export::EXPORTED_FIELDS
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
            reason: format!(
                "export --format {}",
                match a.format {
                    FormatArg::Xlsx => "xlsx",
                    FormatArg::Csv => "csv",
                }
            ),
        };
        s.append_audit(&entry, super::db::now())?;
    }
    let with_plan = map.people.iter().filter(|p| p.consent.plan).count();
    println!(
        "{}: {} people on the register ({} with consent to a plan) in {} districts, {} scenario(s){}",
        a.out.display(),
        table.row_count(),
        with_plan,
        table.districts.len(),
        scenarios.len(),
        if store.is_some() {
            "; recorded in the audit log"
        } else {
            ""
        }
    );
    Ok(())
}
