//! Designated evacuation sites and shelters: 国土地理院 (GSI) CSV or GeoJSON, and the Digital
//! Agency standard dataset (自治体標準オープンデータセット), into `shelters.geojson`.
//!
//! Both sources are read into one raw shape first (field name → text, plus the point of a
//! GeoJSON feature), so CSV and GeoJSON of the same data give the same shelters. Headers are
//! matched leniently: BOM, surrounding and full-width spaces are ignored, and each field has
//! the aliases real files use (`名称` / `施設・場所名` / `指定避難所名`, `災害種別_洪水` / `洪水`).
//! Text may be UTF-8 (with or without BOM) or Shift_JIS; quoted newlines, full-width digits
//! and JSON nulls are accepted.
//!
//! **Which kind** ([`ShelterKind`]): GSI emergency-site files have the eight hazard columns
//! and become [`ShelterKind::EvacuationSite`]; GSI shelter files (`受入対象者`,
//! `指定緊急避難場所との住所同一`) become [`ShelterKind::Shelter`]. A shelter record whose
//! `受入対象者` names a group (`要配慮者`, `施設の利用者とその家族等`) is the 指定福祉避難所
//! designation the 2021 law revision made public, so it becomes a
//! [`ShelterKind::WelfareShelter`] with [`WelfareAccess::TransferOnly`]: direct evacuation to a
//! welfare shelter must be agreed with the facility in advance, which the GSI data does not say,
//! so a draft plan must not send anyone there directly until a person confirms it.
//!
//! **Repeated sites**: records with the same kind, the same name and the same place (same
//! address after normalising digits and spaces, or within [`SAME_PLACE_M`]) are one site listed
//! twice: they are merged (first 共通ID kept, hazard flags united, larger capacity kept) and
//! each merge is reported. Same name at a different place, or a different kind at the same
//! place, are different records and are kept. In the Asahikawa shelter file 72 names repeat:
//! schools listed once as a general shelter and once for 要配慮者, so none are merged.
//!
//! An import replaces shelters with the same id in an existing `shelters.geojson` and appends
//! the others; the licence attribution goes into `map.toml`.

use super::{ImportError, Plan, meta_with_source, read_input};
use crate::io::geojson_in::read_feature_collection;
use crate::io::mapdir;
use crate::io::{DataError, DataErrors, Encoding, Location, decode_text};
use crate::model::{
    DataSource, HazardSet, HazardType, LonLat, Shelter, ShelterKind, WelfareAccess,
    normalize_digits,
};
use geo::Geometry;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Records of the same name and kind closer than this are the same site (metres). GSI lists
/// the same building at two addresses whose geocoded points differ by a few metres.
pub const SAME_PLACE_M: f64 = 10.0;

/// The source dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShelterFormat {
    /// 国土地理院 指定緊急避難場所・指定避難所データ.
    Gsi,
    /// デジタル庁 自治体標準オープンデータセット (指定緊急避難場所一覧, 指定避難所一覧).
    DigitalAgency,
}

impl ShelterFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "gsi" => Some(ShelterFormat::Gsi),
            "digital-agency" | "da" | "standard" => Some(ShelterFormat::DigitalAgency),
            _ => None,
        }
    }
}

/// One record as found in the file.
#[derive(Clone, Debug)]
struct RawRecord {
    location: Location,
    fields: BTreeMap<String, String>,
    /// The GeoJSON point, if the record came from a feature.
    point: Option<LonLat>,
}

/// What the import saw, for the summary and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShelterStats {
    pub records: usize,
    pub kind: Option<ShelterKind>,
    /// Records that became welfare shelters (`受入対象者` set).
    pub welfare: usize,
    /// Records merged into an earlier record of the same site (`(merged id, kept id)`).
    pub merged: Vec<(String, String)>,
    /// Names (exactly as written) that occur more than once in the file (kept unless merged).
    pub repeated_names: usize,
    /// Sites designated per hazard type (count of "1" flags), in [`HazardType::ALL`] order.
    pub hazard_counts: Vec<(HazardType, usize)>,
}

fn norm_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .replace(['\u{3000}', ' '], "")
        .trim()
        .to_owned()
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn read_records(path: &Path, bytes: &[u8]) -> Result<Vec<RawRecord>, ImportError> {
    let text = decode_text(path, bytes, Encoding::Auto).map_err(DataErrors::from)?;
    if text.trim_start().starts_with('{') {
        let features = read_feature_collection(path, &text)?;
        return Ok(features
            .into_iter()
            .map(|f| RawRecord {
                location: Location::Feature(f.index),
                fields: f
                    .properties
                    .iter()
                    .map(|(k, v)| (norm_key(k), json_text(v)))
                    .collect(),
                point: match f.geometry {
                    Some(Geometry::Point(p)) => Some(LonLat::new(p.x(), p.y())),
                    _ => None,
                },
            })
            .collect());
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            DataErrors::from(DataError::new(
                path,
                Location::Line(1),
                "",
                "",
                format!("a CSV header row ({e})"),
            ))
        })?
        .iter()
        .map(norm_key)
        .collect();
    let mut out = Vec::new();
    let mut errs = DataErrors::default();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                out.push(RawRecord {
                    location: Location::Line(r.position().map_or(0, |p| p.line())),
                    fields: headers
                        .iter()
                        .zip(r.iter())
                        .map(|(h, v)| (h.clone(), v.trim().to_owned()))
                        .collect(),
                    point: None,
                });
            }
            Err(e) => errs.push(DataError::new(
                path,
                Location::Line(e.position().map_or(0, |p| p.line())),
                "",
                "",
                format!("a well-formed CSV record ({e})"),
            )),
        }
    }
    Ok(errs.into_result(out)?)
}

/// Field aliases, first match wins.
const ID: &[&str] = &["共通ID", "ID", "id"];
const NAME: &[&str] = &[
    "施設・場所名",
    "名称",
    "指定緊急避難場所名",
    "指定避難所名",
    "施設名",
    "避難所名",
    "name",
];
const ADDRESS: &[&str] = &["住所", "所在地_連結表記", "所在地", "address"];
const LAT: &[&str] = &["緯度", "lat", "latitude"];
const LON: &[&str] = &["経度", "lon", "lng", "longitude"];
const CAPACITY: &[&str] = &["想定収容人数", "収容人数", "収容可能人数", "capacity"];
const TARGET: &[&str] = &["受入対象者", "対象となる避難者", "受入対象"];
const NO: &[&str] = &["NO", "No", "no", "番号"];
const CODE: &[&str] = &["全国地方公共団体コード", "所在地_全国地方公共団体コード"];

fn hazard_aliases(h: HazardType) -> Vec<String> {
    let ja = h.label_ja();
    let mut v = vec![ja.to_owned(), format!("災害種別_{ja}")];
    if h == HazardType::Landslide {
        for alt in [
            "崖崩れ、土石流及び地すべり",
            "崖崩れ,土石流及び地滑り",
            "土砂災害",
        ] {
            v.push(alt.to_owned());
            v.push(format!("災害種別_{alt}"));
        }
    }
    v
}

fn get<'a>(r: &'a RawRecord, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| r.fields.get(&norm_key(n)).map(String::as_str))
}

fn has_column(records: &[RawRecord], names: &[&str]) -> bool {
    records
        .iter()
        .any(|r| names.iter().any(|n| r.fields.contains_key(&norm_key(n))))
}

/// Decides the kind of the whole file from its columns.
fn detect_kind(records: &[RawRecord]) -> Option<ShelterKind> {
    let has = |n: &str| has_column(records, &[n]);
    if has("指定緊急避難場所名") || has("指定避難所との住所同一") {
        Some(ShelterKind::EvacuationSite)
    } else if has("指定避難所名")
        || has("指定緊急避難場所との住所同一")
        || has_column(records, TARGET)
    {
        Some(ShelterKind::Shelter)
    } else if HazardType::ALL
        .iter()
        .any(|h| hazard_aliases(*h).iter().any(|a| has(a)))
    {
        Some(ShelterKind::EvacuationSite)
    } else {
        None
    }
}

fn flag(s: &str) -> Option<bool> {
    match normalize_digits(s).trim() {
        "1" | "○" | "◯" | "〇" | "true" | "TRUE" | "yes" | "有" => Some(true),
        "" | "0" | "false" | "FALSE" | "no" | "無" | "-" | "×" => Some(false),
        _ => None,
    }
}

/// Outdoor sites by name: 指定緊急避難場所 that are parks or open spaces give no shelter from
/// rain or cold. A heuristic; the GSI data have no indoor attribute.
fn looks_outdoor(name: &str) -> bool {
    [
        "公園",
        "広場",
        "グラウンド",
        "グランド",
        "運動場",
        "緑地",
        "駐車場",
        "河川敷",
    ]
    .iter()
    .any(|w| name.contains(w))
}

fn norm_text(s: &str) -> String {
    normalize_digits(s)
        .replace(['\u{3000}', ' '], "")
        .replace(['−', '―', '－'], "-")
}

/// Reads a shelter file into validated shelters (not yet merged with a folder).
///
/// `kind` overrides the kind detected from the columns.
pub fn read_shelters(
    path: &Path,
    format: ShelterFormat,
    kind: Option<ShelterKind>,
) -> Result<(Vec<Shelter>, ShelterStats), ImportError> {
    let bytes = read_input(path)?;
    let records = read_records(path, &bytes)?;
    let kind = kind.or_else(|| detect_kind(&records)).ok_or_else(|| {
        DataErrors::from(DataError::new(
            path,
            Location::Line(1),
            "",
            "",
            "the columns of a GSI emergency-site file (洪水 … 火山現象) or shelter file (受入対象者), \
             or of a Digital Agency 指定緊急避難場所一覧 / 指定避難所一覧; or give --kind",
        ))
    })?;
    let mut errs = DataErrors::default();
    let mut stats = ShelterStats {
        records: records.len(),
        kind: Some(kind),
        ..ShelterStats::default()
    };
    let mut out: Vec<Shelter> = Vec::new();
    let mut ids = BTreeSet::new();
    let mut name_counts: BTreeMap<String, usize> = BTreeMap::new();
    for (row, r) in records.iter().enumerate() {
        let mut err = |field: &str, value: &str, expected: &str| {
            errs.push(DataError::new(
                path,
                r.location.clone(),
                field,
                value,
                expected,
            ))
        };
        let name = get(r, NAME).unwrap_or_default().to_owned();
        if name.is_empty() {
            err(
                "施設・場所名",
                "",
                "the name of the site (施設・場所名 / 名称)",
            );
            continue;
        }
        *name_counts.entry(name.clone()).or_insert(0) += 1;
        let mut ext_id = get(r, ID).unwrap_or_default().to_owned();
        if ext_id.is_empty() && format == ShelterFormat::DigitalAgency {
            // The standard dataset has no national id: municipality code and row number.
            let no = get(r, NO)
                .map(normalize_digits)
                .unwrap_or_else(|| (row + 1).to_string());
            ext_id = match get(r, CODE) {
                Some(c) if !c.is_empty() => format!("{c}-{no}"),
                _ => format!("{}-{no}", kind.code()),
            };
        }
        if ext_id.is_empty() {
            err("共通ID", "", "the GSI common id (共通ID) of the site");
            continue;
        }
        if !ids.insert(ext_id.clone()) {
            err("共通ID", &ext_id, "an id used once in the file");
            continue;
        }
        let coord = |names: &[&str], lo: f64, hi: f64| -> Result<Option<f64>, String> {
            match get(r, names) {
                None | Some("") => Ok(None),
                Some(t) => normalize_digits(t)
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && (lo..=hi).contains(v))
                    .map(Some)
                    .ok_or_else(|| t.to_owned()),
            }
        };
        let location = match (r.point, coord(LAT, -90.0, 90.0), coord(LON, -180.0, 180.0)) {
            (Some(p), _, _)
                if (-180.0..=180.0).contains(&p.lon) && (-90.0..=90.0).contains(&p.lat) =>
            {
                p
            }
            (_, Ok(Some(lat)), Ok(Some(lon))) => LonLat::new(lon, lat),
            (_, Err(t), _) => {
                err("緯度", &t, "a latitude in degrees, -90 to 90");
                continue;
            }
            (_, _, Err(t)) => {
                err("経度", &t, "a longitude in degrees, -180 to 180");
                continue;
            }
            _ => {
                err(
                    "緯度",
                    "",
                    "a position (緯度 and 経度, or a Point geometry)",
                );
                continue;
            }
        };
        let mut hazards = HazardSet::default();
        for h in HazardType::ALL {
            let aliases = hazard_aliases(*h);
            let names: Vec<&str> = aliases.iter().map(String::as_str).collect();
            let t = get(r, &names).unwrap_or_default();
            match flag(t) {
                Some(true) => hazards.insert(*h),
                Some(false) => {}
                None => err(
                    h.label_ja(),
                    t,
                    "\"1\" (designated for this hazard) or empty",
                ),
            }
        }
        let capacity =
            match get(r, CAPACITY).map(|t| normalize_digits(t).replace([',', '，', '人'], "")) {
                None => 0,
                Some(t) if t.trim().is_empty() => 0,
                Some(t) => match t.trim().parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => {
                        err("想定収容人数", &t, "a whole number of people");
                        0
                    }
                },
            };
        let target = get(r, TARGET).unwrap_or_default();
        let (kind, welfare_access) = if kind == ShelterKind::Shelter && !target.is_empty() {
            stats.welfare += 1;
            (
                ShelterKind::WelfareShelter,
                Some(WelfareAccess::TransferOnly),
            )
        } else {
            (kind, None)
        };
        let shelter = Shelter {
            ext_id,
            indoor: !(kind == ShelterKind::EvacuationSite && looks_outdoor(&name)),
            name,
            address: get(r, ADDRESS).unwrap_or_default().to_owned(),
            location,
            kind,
            hazards,
            capacity,
            barrier_free: false,
            welfare_access,
        };
        // The same site listed twice: merge into the first listing.
        if let Some(first) = out.iter_mut().find(|s| {
            s.kind == shelter.kind
                && norm_text(&s.name) == norm_text(&shelter.name)
                && (norm_text(&s.address) == norm_text(&shelter.address)
                    || s.location.distance_m(shelter.location) <= SAME_PLACE_M)
        }) {
            first.hazards = first.hazards.iter().chain(shelter.hazards.iter()).collect();
            first.capacity = first.capacity.max(shelter.capacity);
            stats
                .merged
                .push((shelter.ext_id.clone(), first.ext_id.clone()));
            continue;
        }
        out.push(shelter);
    }
    if !errs.is_empty() {
        return Err(errs.into());
    }
    stats.repeated_names = name_counts.values().filter(|n| **n > 1).count();
    stats.hazard_counts = HazardType::ALL
        .iter()
        .map(|h| (*h, out.iter().filter(|s| s.hazards.contains(*h)).count()))
        .collect();
    Ok((out, stats))
}

/// The attribution the source's licence requires.
pub fn source_for(format: ShelterFormat, kind: ShelterKind, file: &Path) -> DataSource {
    match format {
        ShelterFormat::Gsi => DataSource {
            name: match kind {
                ShelterKind::EvacuationSite => "国土地理院 指定緊急避難場所データ",
                _ => "国土地理院 指定避難所データ",
            }
            .into(),
            attribution: format!(
                "出典：国土地理院 指定緊急避難場所・指定避難所データ（{}を加工して作成）",
                match kind {
                    ShelterKind::EvacuationSite => "国土地理院 指定緊急避難場所データ",
                    _ => "国土地理院 指定避難所データ",
                }
            ),
            licence: "国土地理院コンテンツ利用規約".into(),
            url: "https://www.gsi.go.jp/bousaichiri/hinanbasho.html".into(),
        },
        ShelterFormat::DigitalAgency => DataSource {
            name: format!(
                "自治体標準オープンデータセット {}",
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            attribution:
                "出典：自治体標準オープンデータセット（指定緊急避難場所・指定避難所）を加工して作成"
                    .into(),
            licence: "as published by the municipality (usually CC BY 4.0)".into(),
            url: "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"
                .into(),
        },
    }
}

/// Builds the import of `file` into `dir`: `shelters.geojson` (existing shelters with other
/// ids kept) and the attribution in `map.toml`.
pub fn plan_shelters(
    file: &Path,
    dir: &Path,
    format: ShelterFormat,
    kind: Option<ShelterKind>,
) -> Result<Plan, ImportError> {
    let (new, stats) = read_shelters(file, format, kind)?;
    let out_path = dir.join(mapdir::SHELTERS);
    let mut all = if out_path.exists() {
        let bytes = read_input(&out_path)?;
        let text = decode_text(&out_path, &bytes, Encoding::Utf8).map_err(DataErrors::from)?;
        let fs = read_feature_collection(&out_path, &text)?;
        let mut errs = DataErrors::default();
        let existing = mapdir::shelters_from(&out_path, &fs, &mut errs);
        errs.into_result(existing)?
    } else {
        Vec::new()
    };
    let (mut replaced, mut added) = (0, 0);
    for s in new {
        match all.iter_mut().find(|e| e.ext_id == s.ext_id) {
            Some(e) => {
                *e = s;
                replaced += 1;
            }
            None => {
                all.push(s);
                added += 1;
            }
        }
    }
    let bytes = mapdir::shelters_geojson(&all);
    // What we write must load.
    let text = std::str::from_utf8(&bytes).expect("serde_json writes UTF-8");
    let fs = read_feature_collection(&out_path, text)?;
    let mut errs = DataErrors::default();
    mapdir::shelters_from(&out_path, &fs, &mut errs);
    errs.into_result(())?;

    let kind = stats.kind.unwrap_or(ShelterKind::Shelter);
    let mut plan = Plan {
        dir: dir.to_path_buf(),
        ..Plan::default()
    };
    plan.count("records in file", stats.records);
    plan.count("kind", kind.label_ja());
    if stats.welfare > 0 {
        plan.count(
            "welfare shelters (受入対象者 set; transfer only)",
            stats.welfare,
        );
    }
    if kind == ShelterKind::EvacuationSite {
        for (h, n) in &stats.hazard_counts {
            plan.count(format!("designated for {}", h.label_ja()), n);
        }
    }
    plan.count("names listed more than once", stats.repeated_names);
    plan.count("merged (same name, kind and place)", stats.merged.len());
    for (m, k) in &stats.merged {
        plan.notes.push(format!("{m} merged into {k} (same site)"));
    }
    plan.count("added", added);
    plan.count("replaced (same id)", replaced);
    plan.count("shelters in folder after import", all.len());
    plan.files.push((mapdir::SHELTERS.into(), bytes));
    plan.files
        .push(meta_with_source(dir, source_for(format, kind, file))?);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn same_site_listed_twice_is_merged_and_other_repeats_are_kept() {
        let d = tempfile::tempdir().unwrap();
        let csv = "共通ID,施設・場所名,住所,洪水,地震,指定避難所との住所同一,緯度,経度\n\
                   A1,北公園,旭川市1条,1,,,43.70,142.30\n\
                   A2,北公園,旭川市１条,,1,,43.70,142.30\n\
                   A3,北公園,旭川市9条,1,,,43.80,142.40\n";
        let p = write(d.path(), "s.csv", csv);
        let (s, st) = read_shelters(&p, ShelterFormat::Gsi, None).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(st.merged, vec![("A2".to_owned(), "A1".to_owned())]);
        assert!(
            s[0].hazards.contains(HazardType::Earthquake)
                && s[0].hazards.contains(HazardType::Flood)
        );
        assert!(!s[0].indoor, "a park is outdoors");
    }

    #[test]
    fn digital_agency_headers_map_leniently() {
        let d = tempfile::tempdir().unwrap();
        let csv = "\u{feff}全国地方公共団体コード,NO,名称,所在地_連結表記,緯度,経度,災害種別_洪水,災害種別_地震,想定収容人数\n\
                   012041,1,市民体育館,旭川市,43.7,142.3,○,,\"1,200\"\n";
        let p = write(d.path(), "da.csv", csv);
        let (s, _) = read_shelters(&p, ShelterFormat::DigitalAgency, None).unwrap();
        assert_eq!(s[0].ext_id, "012041-1");
        assert_eq!(s[0].capacity, 1200);
        assert_eq!(s[0].kind, ShelterKind::EvacuationSite);
        assert!(s[0].hazards.contains(HazardType::Flood));
    }

    #[test]
    fn bad_flag_is_reported_with_its_line() {
        let d = tempfile::tempdir().unwrap();
        let csv = "共通ID,施設・場所名,住所,洪水,緯度,経度\nA1,体育館,x,はい,43.7,142.3\n";
        let p = write(d.path(), "s.csv", csv);
        let e = read_shelters(&p, ShelterFormat::Gsi, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.csv:2: field `洪水`: found \"はい\""), "{e}");
    }
}
