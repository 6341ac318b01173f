//! `mimamori share`: practice bundles (`export`), the district comparison (`compare`) and
//! suggestions from other districts' practice (`suggest`). Glue only: the work is
//! `mimamori::share`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use mimamori::io::output::{OutputKind, Staged};
use mimamori::model::Map;
use mimamori::plan::Scenario;
use mimamori::plan::engine::{PlanRun, Planner, plan_with_progress};
use mimamori::share::{self, Bundle, DrillSafety, ShareParams, compare, suggest};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `mimamori share compare` writes into its `--out` folder.
pub const COMPARE_OUTPUT: OutputKind = OutputKind {
    command: "share compare",
    known: |rel| {
        matches!(rel, "compare.json" | "compare.html")
            || rel
                .strip_prefix("bundles/")
                .is_some_and(|f| !f.contains('/') && f.ends_with(".json"))
    },
    manifest: true,
};

/// What `mimamori share suggest` writes into its `--out` folder.
pub const SUGGEST_OUTPUT: OutputKind = OutputKind {
    command: "share suggest",
    known: |rel| matches!(rel, "suggest.json" | "suggest.csv" | "pins.csv"),
    manifest: true,
};

#[derive(Subcommand)]
pub enum ShareCmd {
    /// Write one district's anonymised practice bundle (k-anonymous patterns and figures).
    Export(ExportArgs),
    /// Compare districts under one scenario: figures, ranks, good practice (compare.json, compare.html).
    Compare(CompareArgs),
    /// For each uncovered person of a district, what worked elsewhere, tried with its own volunteers.
    Suggest(SuggestArgs),
}

#[derive(Args)]
pub struct Common {
    /// Scenario file (TOML, see scenarios/*.toml); default: a daytime river flood.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Date of drafting, YYYY-MM-DD; default: map.toml's as_of, else today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Planner parameter file (TOML, any subset of `mimamori params`); default: built-in.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// The district's code (e.g. D07).
    #[arg(long, value_name = "CODE")]
    district: String,
    /// The bundle file to write (JSON).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// k of the k-anonymity: every released combination of quasi-identifiers occurs at least k
    /// times (5 or more).
    #[arg(long, value_name = "N", default_value_t = 5)]
    k: usize,
    /// A drill.json of `mimamori drill` for the same map and scenario: adds p_safe.
    #[arg(long, value_name = "FILE")]
    drill: Option<PathBuf>,
    /// The district office's database (`mimamori db import`): adds the plan status counts of
    /// the district's people (aggregates only).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Bundle files (or folders of them); or one map folder: every district of it is compared.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (compare.json, compare.html; bundles/ when given a map); replaced whole.
    #[arg(long, value_name = "FOLDER")]
    out: PathBuf,
    /// With a map folder: k of the k-anonymity (5 or more).
    #[arg(long, value_name = "N", default_value_t = 5)]
    k: usize,
    /// With a map folder: a drill.json of `mimamori drill` for the same map and scenario.
    #[arg(long, value_name = "FILE")]
    drill: Option<PathBuf>,
    /// Language of the page: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: super::LangArg,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct SuggestArgs {
    /// Map folder (map.toml, roads.geojson, people.csv, ...).
    map: PathBuf,
    /// The district's code (e.g. D07).
    #[arg(long, value_name = "CODE")]
    district: String,
    /// Folder of bundle files (*.json) of other districts, made under the same scenario.
    #[arg(long, value_name = "FOLDER")]
    bundles: PathBuf,
    /// Output folder (suggest.json, suggest.csv, pins.csv); replaced whole.
    #[arg(long, value_name = "FOLDER")]
    out: PathBuf,
    /// Language of suggest.csv: ja or en.
    #[arg(long, value_enum, default_value = "ja")]
    lang: super::LangArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(cmd: ShareCmd) -> Result<()> {
    match cmd {
        ShareCmd::Export(a) => export(a),
        ShareCmd::Compare(a) => compare_cmd(a),
        ShareCmd::Suggest(a) => suggest_cmd(a),
    }
}

/// The p_safe of each person from a `drill.json`.
fn read_drill(path: &Path) -> Result<DrillSafety> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read drill file {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let Some(people) = v.get("people").and_then(|p| p.as_array()) else {
        bail!(
            "{}: field people: expected the list of people of a drill.json",
            path.display()
        );
    };
    let mut out = DrillSafety::new();
    for (i, p) in people.iter().enumerate() {
        let (Some(id), Some(ps)) = (
            p.get("person").and_then(|x| x.as_str()),
            p.get("p_safe").and_then(|x| x.as_f64()),
        ) else {
            bail!(
                "{}: people[{i}]: expected fields person (text) and p_safe (number)",
                path.display()
            );
        };
        out.insert(id.to_owned(), ps);
    }
    Ok(out)
}

fn plan_map(c: &Common, map: &Path) -> Result<(Map, Scenario, PlanRun)> {
    let params = super::read_params(c.params.as_deref())?;
    let (m, as_of) = super::load_at(map, c.as_of.as_deref())?;
    let scenario = super::read_scenario_or_default(c.scenario.as_deref())?;
    let g = super::build_graph(&m)?;
    let t = Instant::now();
    let run = plan_with_progress(&m, &g, &scenario, &params, as_of, None, &mut |_, _| {})?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "planned");
    Ok((m, scenario, run))
}

fn export(a: ExportArgs) -> Result<()> {
    let sp = ShareParams::default();
    if a.k < sp.min_k {
        bail!("--k {}: k may only be raised: at least {}", a.k, sp.min_k);
    }
    let drill = a.drill.as_deref().map(read_drill).transpose()?;
    let (m, scenario, run) = plan_map(&a.common, &a.map)?;
    if m.find_district(&a.district).is_none() {
        bail!(
            "no district with code {:?} in {}",
            a.district,
            a.map.display()
        );
    }
    let t = Instant::now();
    let mut b = share::export(&m, &run, &scenario, &a.district, a.k, drill.as_ref(), &sp)?;
    if let Some(db) = &a.db {
        // The hash is set when the file text is made (`to_json`).
        b.aggregates.statuses = Some(status_counts(db, &m, &a.district)?);
    }
    tracing::info!(ms = t.elapsed().as_millis() as u64, "exported");
    mimamori::io::write_atomic(&a.out, b.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    println!(
        "{}: {} patterns (k = {}, generalisation step {}, {} suppressed, {} without consent to sharing) → {}",
        a.district,
        b.patterns.len(),
        b.k,
        b.generalised.level,
        b.suppressed.records,
        b.suppressed.not_consented,
        a.out.display()
    );
    Ok(())
}

/// Plan status counts (status code → people) of `district`'s people as stored in the database
/// `db`; people of the map the database does not hold count under `not_in_store`.
fn status_counts(
    db: &Path,
    m: &Map,
    district: &str,
) -> Result<std::collections::BTreeMap<String, usize>> {
    let store = super::db::open_existing(db)?;
    let stored: std::collections::BTreeSet<String> = store.person_ids()?.into_iter().collect();
    let mut counts = std::collections::BTreeMap::new();
    for p in m
        .people
        .iter()
        .filter(|p| m.district(p.district).code == district)
    {
        let key = if stored.contains(&p.ext_id) {
            store.status(&p.ext_id)?.status.code().to_owned()
        } else {
            "not_in_store".to_owned()
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Bundle files named by `inputs` (folders: their *.json files, sorted).
fn bundle_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for i in inputs {
        if i.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(i)
                .with_context(|| format!("cannot read folder {}", i.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            in_dir.sort();
            if in_dir.is_empty() {
                bail!("{}: no bundle files (*.json) in this folder", i.display());
            }
            files.extend(in_dir);
        } else {
            files.push(i.clone());
        }
    }
    Ok(files)
}

fn read_bundles(files: &[PathBuf]) -> Result<Vec<(String, Bundle)>> {
    files
        .iter()
        .map(|f| {
            let name = f.display().to_string();
            let text =
                std::fs::read_to_string(f).with_context(|| format!("cannot read bundle {name}"))?;
            Ok((name.clone(), Bundle::from_json(&text, &name)?))
        })
        .collect()
}

fn compare_cmd(a: CompareArgs) -> Result<()> {
    let sp = ShareParams::default();
    let map_mode = a.inputs.len() == 1 && a.inputs[0].join("map.toml").is_file();
    let mut extra = Vec::new();
    let bundles = if map_mode {
        if a.k < sp.min_k {
            bail!("--k {}: k may only be raised: at least {}", a.k, sp.min_k);
        }
        let drill = a.drill.as_deref().map(read_drill).transpose()?;
        let (m, scenario, run) = plan_map(&a.common, &a.inputs[0])?;
        let t = Instant::now();
        let mut out = Vec::new();
        for d in &m.districts {
            let b = share::export(&m, &run, &scenario, &d.code, a.k, drill.as_ref(), &sp)?;
            let name = format!("bundles/{}.json", mimamori::render::file_stem(&d.code));
            extra.push((name.clone(), b.to_json()));
            out.push((name, b));
        }
        tracing::info!(
            ms = t.elapsed().as_millis() as u64,
            "exported every district"
        );
        out
    } else {
        if a.common.scenario.is_some() || a.drill.is_some() {
            bail!("--scenario and --drill apply to a map folder; bundles carry their own");
        }
        read_bundles(&bundle_files(&a.inputs)?)?
    };
    let t = Instant::now();
    let c = compare::compare(&bundles, &sp)?;
    let html = mimamori::render::share::compare_page(&c, a.lang.into());
    tracing::info!(ms = t.elapsed().as_millis() as u64, "compared");
    let set = Staged::replace(&a.out, &COMPARE_OUTPUT)?;
    let mut json = serde_json::to_string_pretty(&c)?;
    json.push('\n');
    extra.push(("compare.json".into(), json));
    extra.push(("compare.html".into(), html));
    for (name, body) in &extra {
        set.write(name, body.as_bytes())
            .with_context(|| format!("cannot write {}", a.out.join(name).display()))?;
    }
    set.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    let better: usize = c.categories.iter().map(|c| c.better.len()).sum();
    println!(
        "{} districts compared; {better} significantly better at a hard category → {}",
        c.districts.len(),
        a.out.join("compare.html").display()
    );
    Ok(())
}

fn suggest_cmd(a: SuggestArgs) -> Result<()> {
    let sp = ShareParams::default();
    let bundles: Vec<Bundle> = read_bundles(&bundle_files(std::slice::from_ref(&a.bundles))?)?
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    let params = super::read_params(a.common.params.as_deref())?;
    let (m, as_of) = super::load_at(&a.map, a.common.as_of.as_deref())?;
    if m.find_district(&a.district).is_none() {
        bail!(
            "no district with code {:?} in {}",
            a.district,
            a.map.display()
        );
    }
    let scenario = super::read_scenario_or_default(a.common.scenario.as_deref())?;
    let key = share::ScenarioKey::of(&scenario);
    if let Some(b) = bundles.iter().find(|b| b.scenario != key) {
        bail!(
            "bundle of district {} was made under scenario {:?} (fingerprint {}), not the one given ({:?}, {}); give the same --scenario",
            b.district,
            b.scenario.name,
            b.scenario.fingerprint,
            key.name,
            key.fingerprint
        );
    }
    let g = super::build_graph(&m)?;
    let planner = Planner::new(m, g, params);
    let t = Instant::now();
    let planned = planner.plan(&scenario, as_of, None, &mut |_, _| {})?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "planned");
    let t = Instant::now();
    let r = suggest::suggest(&planner, &planned, &a.district, &bundles, &sp)?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, "suggested");
    let lang = a.lang.into();
    let set = Staged::replace(&a.out, &SUGGEST_OUTPUT)?;
    let mut json = serde_json::to_string_pretty(&r)?;
    json.push('\n');
    let files = [
        ("suggest.json", json),
        ("suggest.csv", suggest::suggest_csv(&r, lang)),
        ("pins.csv", suggest::pins_csv(&r)),
    ];
    for (name, body) in &files {
        set.write(name, body.as_bytes())
            .with_context(|| format!("cannot write {}", a.out.join(name).display()))?;
    }
    set.commit()
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    println!(
        "{}: {} uncovered, {} with practice elsewhere, {} pins the planner accepts → {}",
        a.district,
        r.uncovered,
        r.with_practice,
        r.pins.len(),
        a.out.display()
    );
    Ok(())
}
