//! Hazard polygons: 国土数値情報 A31a flood depth (`ksj-a31`) and any polygon GeoJSON with a
//! property mapping given by the user (`geojson`), into `hazards.geojson`.
//!
//! Real hazard layers come in many schemas (PLATEAU, prefectural 土砂災害警戒区域 exports, GSI
//! event polygons), so instead of one adapter per publisher the generic format takes the
//! [`HazardKind`] of the whole file and the names of the properties holding the depth rank
//! and the id. A31a is the one schema fixed in advance: `A31a_205` is the depth rank 1–6
//! (<0.5, 0.5–3, 3–5, 5–10, 10–20, ≥20 m) and the kind is river flood.
//!
//! Coordinates must be longitude/latitude. JGD2011 (EPSG:6668) and JGD2000 (EPSG:4612) are
//! within a metre of WGS84 here and are taken as they are; a `crs` member naming anything else
//! (a projected plane-rectangular system, say) is refused, because its numbers are metres.
//! GDAL writes `urn:ogc:def:crs:EPSG::6668` with lon/lat order anyway, so the order is not
//! swapped. A height (third coordinate) is dropped by the GeoJSON reader.
//!
//! **Rings that almost close**: RFC 7946 requires the last position of a ring to equal the
//! first, and the map-folder reader enforces it. Real exports break this by rounding: 7 rings of
//! 東京都's `tokyo_jisuberi` end 5e-10° (0.05 mm) away from their start. When the strict read
//! fails *only* for that reason and every gap is under [`RING_SNAP_DEG`], the last position is
//! set to the first and the number of repaired rings is reported; anything else is refused.
//!
//! Ids are `{file stem}:{id}` so that layers from different files never collide, and
//! importing the same file again replaces its zones instead of doubling them.

use super::{ImportError, Plan, meta_with_source, read_input};
use crate::io::geojson_in::{RawFeature, read_feature_collection};
use crate::io::mapdir;
use crate::io::{DataError, DataErrors, Encoding, Location, decode_text};
use crate::model::{DataSource, DepthRank, HazardKind, HazardZone, normalize_digits};
use geo::Geometry;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The A31a attribute holding the depth rank.
pub const A31A_DEPTH_RANK: &str = "A31a_205";

/// Largest gap between the first and last position of a ring that is repaired, in degrees:
/// 1e-7° (about 1 cm) is the precision map-folder files are written with, so such a gap
/// cannot be seen in the output anyway.
pub const RING_SNAP_DEG: f64 = 1e-7;

/// Coordinate reference systems whose numbers are lon/lat degrees close enough to WGS84.
const GEOGRAPHIC_CRS: &[&str] = &["CRS84", "4326", "6668", "4612", "6697"];

/// The source schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HazardFormat {
    /// 国土数値情報 A31a (洪水浸水想定区域), GeoJSON.
    KsjA31,
    /// Any polygon GeoJSON, mapped by [`HazardOptions`].
    GeoJson,
}

impl HazardFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "ksj-a31" | "a31" | "a31a" | "ksj-a31a" => Some(HazardFormat::KsjA31),
            "geojson" => Some(HazardFormat::GeoJson),
            _ => None,
        }
    }
}

/// How to read a hazard file.
#[derive(Clone, Debug)]
pub struct HazardOptions {
    pub format: HazardFormat,
    /// Kind of every zone; A31a defaults to river flood, the generic format requires it.
    pub kind: Option<HazardKind>,
    /// Property holding the depth rank 1–6 (A31a default `A31a_205`).
    pub depth_property: Option<String>,
    /// Property holding the zone id; default the feature `id`, else the feature index.
    pub id_property: Option<String>,
    /// Source text stored on each zone and credited in `map.toml`.
    pub source: Option<String>,
}

impl HazardOptions {
    /// A31a with its defaults.
    pub fn ksj_a31() -> Self {
        HazardOptions {
            format: HazardFormat::KsjA31,
            kind: None,
            depth_property: None,
            id_property: None,
            source: None,
        }
    }

    /// Generic GeoJSON of one kind.
    pub fn geojson(kind: HazardKind) -> Self {
        HazardOptions {
            format: HazardFormat::GeoJson,
            kind: Some(kind),
            ..Self::ksj_a31()
        }
    }
}

fn needs_depth(kind: HazardKind) -> bool {
    matches!(
        kind,
        HazardKind::RiverFlood
            | HazardKind::InlandFlood
            | HazardKind::Tsunami
            | HazardKind::StormSurge
    )
}

fn prop_text(f: &RawFeature, key: &str) -> String {
    match f.properties.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".geojson")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name)
        .to_owned()
}

/// Refuses a `crs` member that is not geographic lon/lat.
fn check_crs(path: &Path, text: &str) -> Result<(), DataErrors> {
    #[derive(serde::Deserialize)]
    struct Root {
        crs: Option<Value>,
    }
    let Ok(Root { crs: Some(crs) }) = serde_json::from_str::<Root>(text) else {
        return Ok(()); // no crs member (RFC 7946 default) or a syntax error the reader reports
    };
    let name = crs
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() || GEOGRAPHIC_CRS.iter().any(|c| name.contains(c)) {
        Ok(())
    } else {
        Err(DataError::new(
            path,
            Location::File,
            "crs",
            name,
            "longitude/latitude coordinates (CRS84, EPSG:4326 or EPSG:6668); reproject the file first",
        )
        .into())
    }
}

const UNCLOSED: &str = "first and last positions differ";

/// Sets the last position of nearly closed rings to the first; returns how many were changed,
/// or `None` if some ring is open by more than [`RING_SNAP_DEG`].
fn snap_rings(root: &mut Value) -> Option<usize> {
    fn ring(r: &mut Value, n: &mut usize) -> bool {
        let Some(a) = r.as_array_mut() else {
            return true;
        };
        let (Some(first), Some(last)) = (a.first().cloned(), a.last()) else {
            return true;
        };
        if &first == last {
            return true;
        }
        let num = |v: &Value, i: usize| v.get(i).and_then(Value::as_f64);
        let close = (0..2).all(|i| match (num(&first, i), num(last, i)) {
            (Some(x), Some(y)) => (x - y).abs() <= RING_SNAP_DEG,
            _ => false,
        });
        if close {
            *a.last_mut().expect("non-empty") = first;
            *n += 1;
        }
        close
    }
    let mut n = 0;
    let features = root.get_mut("features")?.as_array_mut()?;
    for f in features {
        let Some(g) = f.get_mut("geometry") else {
            continue;
        };
        let ty = g
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(coords) = g.get_mut("coordinates").and_then(Value::as_array_mut) else {
            continue;
        };
        // A Polygon is a list of rings; a MultiPolygon a list of such lists.
        let rings: Vec<&mut Value> = match ty.as_str() {
            "Polygon" => coords.iter_mut().collect(),
            "MultiPolygon" => coords
                .iter_mut()
                .filter_map(Value::as_array_mut)
                .flatten()
                .collect(),
            _ => continue,
        };
        for r in rings {
            if !ring(r, &mut n) {
                return None;
            }
        }
    }
    Some(n)
}

/// Strict read; if it fails only on nearly closed rings, repairs them and reads again.
fn read_features(path: &Path, text: &str) -> Result<(Vec<RawFeature>, usize), ImportError> {
    let errs = match read_feature_collection(path, text) {
        Ok(fs) => return Ok((fs, 0)),
        Err(e) => e,
    };
    if errs.truncated || errs.errors.iter().any(|e| e.value != UNCLOSED) {
        return Err(errs.into());
    }
    let mut root: Value = serde_json::from_str(text).map_err(|_| errs.clone())?;
    let Some(n) = snap_rings(&mut root) else {
        return Err(errs.into());
    };
    let fs = read_feature_collection(path, &root.to_string())?;
    Ok((fs, n))
}

/// What the reader repaired.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HazardStats {
    /// Rings whose last position was set to the first (gap under [`RING_SNAP_DEG`]).
    pub rings_closed: usize,
}

/// Reads a hazard file into zones (not yet merged with a folder).
pub fn read_hazards(path: &Path, opts: &HazardOptions) -> Result<Vec<HazardZone>, ImportError> {
    read_hazards_with_stats(path, opts).map(|(z, _)| z)
}

/// [`read_hazards`], also saying what was repaired.
pub fn read_hazards_with_stats(
    path: &Path,
    opts: &HazardOptions,
) -> Result<(Vec<HazardZone>, HazardStats), ImportError> {
    let (kind, depth_property) = match opts.format {
        HazardFormat::KsjA31 => (
            opts.kind.unwrap_or(HazardKind::RiverFlood),
            Some(
                opts.depth_property
                    .clone()
                    .unwrap_or_else(|| A31A_DEPTH_RANK.to_owned()),
            ),
        ),
        HazardFormat::GeoJson => (
            opts.kind.ok_or_else(|| ImportError::Option {
                option: "--kind",
                value: String::new(),
                expected: format!(
                    "the kind of every zone in the file ({})",
                    HazardKind::expected()
                ),
            })?,
            opts.depth_property.clone(),
        ),
    };
    if needs_depth(kind) && depth_property.is_none() {
        return Err(ImportError::Option {
            option: "--depth-property",
            value: String::new(),
            expected: format!(
                "the property holding the depth rank 1-6: a {} zone needs one",
                kind.code()
            ),
        });
    }
    let bytes = read_input(path)?;
    let text = decode_text(path, &bytes, Encoding::Utf8).map_err(DataErrors::from)?;
    check_crs(path, &text)?;
    let (features, rings_closed) = read_features(path, &text)?;
    let source = opts.source.clone().unwrap_or_else(|| match opts.format {
        HazardFormat::KsjA31 => "国土数値情報 洪水浸水想定区域（A31a）".into(),
        HazardFormat::GeoJson => stem(path),
    });
    let prefix = stem(path);
    if let Some(key) = &depth_property
        && !features.is_empty()
        && features.iter().all(|f| !f.properties.contains_key(key))
    {
        // One message for the wrong file or property name, not one per feature.
        return Err(DataErrors::from(DataError::new(
            path,
            Location::File,
            key,
            "",
            format!("a property {key} on the features (is this the right file, or give --depth-property)"),
        ))
        .into());
    }
    let mut errs = DataErrors::default();
    let mut ids = BTreeSet::new();
    let mut out = Vec::with_capacity(features.len());
    for f in &features {
        let mut err = |field: &str, value: &str, expected: &str| {
            errs.push(DataError::new(
                path,
                Location::Feature(f.index),
                field,
                value,
                expected,
            ))
        };
        let geometry = match &f.geometry {
            Some(Geometry::Polygon(p)) => geo::MultiPolygon(vec![p.clone()]),
            Some(Geometry::MultiPolygon(m)) => m.clone(),
            _ => {
                err(
                    "geometry",
                    "",
                    "a Polygon or MultiPolygon (a hazard zone is an area)",
                );
                continue;
            }
        };
        use geo::CoordsIter;
        if let Some(c) = geometry
            .coords_iter()
            .find(|c| !((-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)))
        {
            err(
                "geometry",
                &format!("[{}, {}]", c.x, c.y),
                "longitude -180..180 and latitude -90..90 (the file may be in a projected CRS)",
            );
            continue;
        }
        let depth_rank = match &depth_property {
            None => None,
            Some(key) => {
                let t = prop_text(f, key);
                let r = normalize_digits(&t)
                    .parse::<u8>()
                    .ok()
                    .and_then(DepthRank::new);
                // An empty value is allowed only where no depth is needed (landslide zones).
                if r.is_none() && (needs_depth(kind) || !t.is_empty()) {
                    err(
                        key,
                        &t,
                        "a depth rank 1-6 (1 <0.5 m, 2 0.5-3 m, 3 3-5 m, 4 5-10 m, 5 10-20 m, 6 >=20 m)",
                    );
                    continue;
                }
                r
            }
        };
        let id = match &opts.id_property {
            Some(key) => prop_text(f, key),
            None => f.id.clone().unwrap_or_default(),
        };
        let id = if id.is_empty() {
            format!("#{}", f.index)
        } else {
            id
        };
        let ext_id = format!("{prefix}:{id}");
        if !ids.insert(ext_id.clone()) {
            err(
                opts.id_property.as_deref().unwrap_or("id"),
                &id,
                "an id used once in the file (choose another --id-property)",
            );
            continue;
        }
        out.push(HazardZone {
            ext_id,
            kind,
            depth_rank,
            arrival_min: None,
            duration_h: None,
            source: source.clone(),
            geometry,
        });
    }
    Ok((errs.into_result(out)?, HazardStats { rings_closed }))
}

/// Builds the import of `file` into `dir`: `hazards.geojson` (zones of other files kept,
/// zones with the same ids replaced) and the source in `map.toml`.
pub fn plan_hazards(file: &Path, dir: &Path, opts: &HazardOptions) -> Result<Plan, ImportError> {
    let (new, stats) = read_hazards_with_stats(file, opts)?;
    let out_path = dir.join(mapdir::HAZARDS);
    let mut all = if out_path.exists() {
        let bytes = read_input(&out_path)?;
        let text = decode_text(&out_path, &bytes, Encoding::Utf8).map_err(DataErrors::from)?;
        let fs = read_feature_collection(&out_path, &text)?;
        let mut errs = DataErrors::default();
        let existing = mapdir::hazards_from(&out_path, &fs, &mut errs);
        errs.into_result(existing)?
    } else {
        Vec::new()
    };
    let mut plan = Plan {
        dir: dir.to_path_buf(),
        ..Plan::default()
    };
    plan.count("zones in file", new.len());
    if stats.rings_closed > 0 {
        plan.notes.push(format!(
            "{} rings ended less than {RING_SNAP_DEG}° from their start and were closed",
            stats.rings_closed
        ));
    }
    let mut ranks = [0usize; 6];
    for z in &new {
        if let Some(r) = z.depth_rank {
            ranks[r.get() as usize - 1] += 1;
        }
    }
    if ranks.iter().any(|n| *n > 0) {
        for (i, n) in ranks.iter().enumerate() {
            let r = DepthRank::new(i as u8 + 1).expect("1..=6");
            plan.count(format!("depth rank {} ({})", r.get(), r.label()), n);
        }
    }
    let prefix = format!("{}:", stem(file));
    let before = all.len();
    // Re-importing a file replaces all its zones, also ones that have since disappeared.
    all.retain(|z| !z.ext_id.starts_with(&prefix));
    plan.count("replaced (same file imported before)", before - all.len());
    all.extend(new);
    let bytes = mapdir::hazards_geojson(&all);
    let text = std::str::from_utf8(&bytes).expect("serde_json writes UTF-8");
    let fs = read_feature_collection(&out_path, text)?;
    let mut errs = DataErrors::default();
    mapdir::hazards_from(&out_path, &fs, &mut errs);
    errs.into_result(())?;
    plan.count("zones in folder after import", all.len());
    plan.files.push((mapdir::HAZARDS.into(), bytes));
    let source = match (opts.format, &opts.source) {
        (HazardFormat::KsjA31, None) => DataSource {
            name: "国土数値情報 洪水浸水想定区域データ（A31a）".into(),
            attribution: "出典：国土数値情報（洪水浸水想定区域データ）（国土交通省）を加工して作成"
                .into(),
            licence: "国土数値情報利用約款".into(),
            url: "https://nlftp.mlit.go.jp/ksj/".into(),
        },
        (_, Some(s)) => DataSource {
            name: s.clone(),
            attribution: format!("出典：{s}（加工して作成）"),
            ..DataSource::default()
        },
        (HazardFormat::GeoJson, None) => DataSource {
            name: stem(file),
            attribution: format!("{} (source not given: add it with --source)", stem(file)),
            ..DataSource::default()
        },
    };
    plan.files.push(meta_with_source(dir, source)?);
    Ok(plan)
}
