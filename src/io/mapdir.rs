//! Map folders: reading a whole folder into a validated [`Map`], and writing one back.
//!
//! A map folder holds `map.toml`, `districts.geojson`, `roads.geojson`, `shelters.geojson`,
//! `hazards.geojson`, `people.csv`, `volunteers.csv` and `watch_records.csv`
//! (`docs/data-format.md` documents every field). [`load_map`] reads every file, collects every
//! problem with its location, checks references between files, and returns the map only when
//! nothing is wrong.

use super::csv_in::{self, Column, RawRow, Row, opt, parse_bool, parse_date, req};
use super::geojson_in::{RawFeature, read_feature_collection};
use super::{DataError, DataErrors, Encoding, Location, decode_text, read_bytes, write_atomic};
use crate::model::*;
use geo::Geometry;
use serde_json::{Map as JsonMap, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use time::Date;

pub const MAP_TOML: &str = "map.toml";
pub const DISTRICTS: &str = "districts.geojson";
pub const ROADS: &str = "roads.geojson";
pub const SHELTERS: &str = "shelters.geojson";
pub const HAZARDS: &str = "hazards.geojson";
pub const PEOPLE: &str = "people.csv";
pub const VOLUNTEERS: &str = "volunteers.csv";
pub const WATCH_RECORDS: &str = "watch_records.csv";
pub const PINS: &str = "pins.csv";

pub const PEOPLE_COLUMNS: &[Column] = &[
    req("id", &["ID", "番号", "対象者番号"]),
    req("district", &["地区", "地区コード"]),
    req("name", &["氏名"]),
    opt("kana", &["ふりがな", "フリガナ", "氏名カナ"]),
    req("birth_date", &["生年月日"]),
    opt("sex", &["性別"]),
    req("address", &["住所"]),
    opt("phone", &["電話番号", "電話"]),
    req("lon", &["経度", "longitude"]),
    req("lat", &["緯度", "latitude"]),
    req("reasons", &["避難支援等を必要とする事由", "事由"]),
    req("mobility", &["移動", "歩行状況", "移動手段"]),
    opt("helpers_needed", &["必要支援者数"]),
    opt("needs", &["配慮事項", "医療的ケア"]),
    opt("floors", &["階数"]),
    opt("bedroom_floor", &["寝室の階"]),
    opt("structure", &["構造"]),
    opt("household", &["世帯", "世帯状況"]),
    opt("contact1_name", &["緊急連絡先1氏名"]),
    opt("contact1_relation", &["緊急連絡先1続柄"]),
    opt("contact1_phone", &["緊急連絡先1電話番号"]),
    opt("contact2_name", &["緊急連絡先2氏名"]),
    opt("contact2_relation", &["緊急連絡先2続柄"]),
    opt("contact2_phone", &["緊急連絡先2電話番号"]),
    req(
        "consent_plan",
        &["計画作成同意", "個別避難計画作成への同意"],
    ),
    req(
        "consent_share",
        &["平常時提供同意", "平常時の情報提供への同意"],
    ),
    opt("daytime_place", &["日中の居場所"]),
    opt("notes", &["備考"]),
    opt("family_helper", &["同居家族の支援", "家族の支援"]),
    opt("family_doctor", &["かかりつけ医"]),
    opt(
        "care_manager",
        &[
            "ケアマネジャー",
            "ケアマネージャー",
            "相談支援専門員",
            "担当ケアマネジャー",
        ],
    ),
];

pub const PIN_COLUMNS: &[Column] = &[
    req("person_id", &["対象者", "対象者番号"]),
    opt("helper_id", &["支援者", "担い手番号"]),
    opt("destination_id", &["避難先", "避難先ID"]),
    opt("note", &["備考", "理由"]),
];

pub const VOLUNTEER_COLUMNS: &[Column] = &[
    req("id", &["ID", "番号", "担い手番号"]),
    req("district", &["地区", "地区コード"]),
    req("name", &["氏名"]),
    opt("phone", &["電話番号", "電話"]),
    req("lon", &["経度", "longitude"]),
    req("lat", &["緯度", "latitude"]),
    req("birth_year", &["生年", "生まれ年"]),
    req("roles", &["役割"]),
    opt("capacity", &["支援可能人数"]),
    opt("skills", &["技能", "できること"]),
    opt("availability", &["対応可能時間帯"]),
    req("consent_named", &["計画への記載同意", "氏名掲載同意"]),
    opt("address", &["住所"]),
];

pub const WATCH_COLUMNS: &[Column] = &[
    req("date", &["日付", "実施日"]),
    req("person", &["対象者", "対象者番号"]),
    req("volunteer", &["実施者", "担い手", "担い手番号"]),
    req("method", &["方法", "見守り方法"]),
    req("outcome", &["結果"]),
    opt("concern", &["困りごと"]),
    opt("referral", &["つなぎ先", "連携先"]),
];

/// How a map folder is judged while loading.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoadOptions {
    /// The day dates are judged against (birth dates, ages, watch records). `None`: the map's
    /// stated `as_of`, else only the checks that need no date (birth dates from 1900).
    pub as_of: Option<Date>,
    pub plausibility: Plausibility,
    /// `districts.geojson` failed to load: rows naming an unknown district are dropped without
    /// an error of their own (the district file's error is the root cause).
    pub(crate) districts_failed: bool,
}

/// The as-of date when none is given on the command line: the map's stated date
/// (`as_of` in `map.toml`), else `today` (the caller's clock; the library reads none).
/// Never a date taken from the records, so a mistyped record cannot move every plan.
pub fn default_as_of(meta: &MapMeta, today: Date) -> Date {
    meta.as_of.unwrap_or(today)
}

/// Parses an as-of date given by a user (`--as-of`) and checks its range.
pub fn parse_as_of(s: &str) -> Result<Date, String> {
    let rules = Plausibility::default();
    let d = parse_date(s).ok_or_else(|| {
        format!(
            "--as-of {s:?}: expected a date written YYYY-MM-DD (e.g. 2024-04-01) or in 和暦 \
             (令和6年4月1日)"
        )
    })?;
    if !rules.as_of_ok(d) {
        return Err(format!(
            "--as-of {d}: expected a date from {} to {}",
            rules.earliest_as_of, rules.latest_as_of
        ));
    }
    Ok(d)
}

/// Loads and validates a whole map folder. Nothing is returned unless every file is valid.
/// `map.toml` and `roads.geojson` must exist; every other layer may be absent (a folder just
/// made by `import osm`, or a city without hazard maps yet) and is then empty. Dates are judged
/// against the map's stated `as_of` if any (see [`load_map_at`]).
pub fn load_map(dir: &Path) -> Result<Map, DataErrors> {
    load_map_with(dir, &LoadOptions::default())
}

/// Loads a map folder judging dates as of `as_of` if given, else the map's stated date, else
/// `today`; returns the map and the as-of date used.
pub fn load_map_at(
    dir: &Path,
    as_of: Option<Date>,
    today: Date,
) -> Result<(Map, Date), DataErrors> {
    let as_of = match as_of {
        Some(d) => d,
        None => default_as_of(&read_meta(&dir.join(MAP_TOML))?, today),
    };
    let opts = LoadOptions {
        as_of: Some(as_of),
        ..LoadOptions::default()
    };
    load_map_with(dir, &opts).map(|m| (m, as_of))
}

/// Loads a map folder with explicit options.
pub fn load_map_with(dir: &Path, opts: &LoadOptions) -> Result<Map, DataErrors> {
    let mut errs = DataErrors::default();
    let meta = match read_meta(&dir.join(MAP_TOML)) {
        Ok(m) => m,
        Err(e) => {
            errs.push(e);
            MapMeta::default()
        }
    };
    let opts = LoadOptions {
        as_of: opts.as_of.or(meta.as_of),
        ..*opts
    };
    let encoding = Encoding::parse(&meta.csv_encoding).unwrap_or(Encoding::Auto);
    let mut map = Map {
        meta,
        ..Map::default()
    };
    fn layer<T>(
        dir: &Path,
        name: &str,
        validate: fn(&Path, &[RawFeature], &mut DataErrors) -> Vec<T>,
        errs: &mut DataErrors,
    ) -> Vec<T> {
        if name != ROADS && !dir.join(name).exists() {
            return Vec::new();
        }
        read_layer(&dir.join(name), validate).unwrap_or_else(|e| {
            errs.extend(e);
            Vec::new()
        })
    }
    let before_districts = errs.count();
    map.districts = layer(dir, DISTRICTS, districts_from, &mut errs);
    let opts = LoadOptions {
        districts_failed: errs.count() > before_districts,
        ..opts
    };
    let before_roads = errs.count();
    map.roads = layer(dir, ROADS, roads_from, &mut errs);
    if map.roads.is_empty() && errs.count() == before_roads {
        errs.push(DataError::new(
            &dir.join(ROADS),
            Location::File,
            "features",
            "",
            "at least one road: with an empty road layer everyone would be off the network \
             / 道路が1本もありません",
        ));
    }
    map.shelters = layer(dir, SHELTERS, shelters_from, &mut errs);
    map.hazards = layer(dir, HAZARDS, hazards_from, &mut errs);
    let table =
        |name: &str, cols: &[Column], errs: &mut DataErrors| -> Option<(PathBuf, Vec<RawRow>)> {
            let path = dir.join(name);
            if !path.exists() {
                return Some((path, Vec::new()));
            }
            let text = read_bytes(&path)
                .and_then(|b| decode_text(&path, &b, encoding))
                .map_err(|e| errs.push(e))
                .ok()?;
            csv_in::read_table(&path, &text, cols)
                .map_err(|e| errs.extend(e))
                .ok()
                .map(|r| (path, r))
        };
    // The first district of a code wins; a repeated code is one error in districts.geojson.
    let mut districts: BTreeMap<String, DistrictId> = BTreeMap::new();
    for (i, d) in map.districts.iter().enumerate() {
        districts
            .entry(d.code.clone())
            .or_insert(DistrictId(i as u32));
    }
    if let Some((p, rows)) = table(PEOPLE, PEOPLE_COLUMNS, &mut errs) {
        map.people = people_from(&p, &rows, &districts, &opts, &mut errs);
    }
    if let Some((p, rows)) = table(VOLUNTEERS, VOLUNTEER_COLUMNS, &mut errs) {
        map.volunteers = volunteers_from(&p, &rows, &districts, &opts, &mut errs);
    }
    if let Some((p, rows)) = table(WATCH_RECORDS, WATCH_COLUMNS, &mut errs) {
        // With errors in the roster, references to its broken rows would only repeat them.
        let check_refs = errs.is_empty();
        map.records = records_from(&p, &rows, &map, check_refs, &opts, &mut errs);
    }
    if let Some((p, rows)) = table(PINS, PIN_COLUMNS, &mut errs) {
        map.pins = pins_from(&p, &rows, &map, &mut errs);
    }
    errs.into_result(map)
}

/// Reads and validates one GeoJSON layer file with `validate` (e.g. [`roads_from`]).
pub fn read_layer<T>(
    path: &Path,
    validate: fn(&Path, &[RawFeature], &mut DataErrors) -> Vec<T>,
) -> Result<Vec<T>, DataErrors> {
    let bytes = read_bytes(path)?;
    let text = decode_text(path, &bytes, Encoding::Utf8)?;
    let features = read_feature_collection(path, &text)?;
    let mut errs = DataErrors::default();
    let out = validate(path, &features, &mut errs);
    errs.into_result(out)
}

/// Reads `map.toml`: unknown keys refused with their line, `municipality_code` checked
/// (6 digits with the JIS X 0402 check digit, or empty), `as_of` within the accepted range.
pub fn read_meta(path: &Path) -> Result<MapMeta, DataError> {
    let bytes = read_bytes(path)?;
    let text = decode_text(path, &bytes, Encoding::Utf8)?;
    let meta: MapMeta = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| line_of(&text, s.start))
            .map_or(Location::File, Location::Line);
        DataError::new(
            path,
            line,
            "",
            "",
            format!("valid map.toml ({})", e.message().trim()),
        )
    })?;
    let key_line = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(Location::File, |i| Location::Line(i as u64 + 1))
    };
    if Encoding::parse(&meta.csv_encoding).is_none() {
        return Err(DataError::new(
            path,
            key_line("csv_encoding"),
            "csv_encoding",
            &meta.csv_encoding,
            "utf-8, shift_jis or auto",
        ));
    }
    if !meta.municipality_code.is_empty() && !municipality_code_ok(&meta.municipality_code) {
        return Err(DataError::new(
            path,
            key_line("municipality_code"),
            "municipality_code",
            &meta.municipality_code,
            "a 全国地方公共団体コード: 6 digits, prefecture 01-47, the last the check digit \
             (JIS X 0402), e.g. \"012041\"",
        ));
    }
    let rules = Plausibility::default();
    if let Some(d) = meta.as_of
        && !rules.as_of_ok(d)
    {
        return Err(DataError::new(
            path,
            key_line("as_of"),
            "as_of",
            d.to_string(),
            format!(
                "a date from {} to {}",
                rules.earliest_as_of, rules.latest_as_of
            ),
        ));
    }
    Ok(meta)
}

/// 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> u64 {
    let at = at.min(text.len());
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

/// Reads a property as text: strings as they are, numbers and booleans written out, null = "".
fn prop_text(f: &RawFeature, key: &str) -> String {
    match f.properties.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn feature_err(
    errs: &mut DataErrors,
    path: &Path,
    f: &RawFeature,
    field: &str,
    value: &str,
    expected: impl Into<String>,
) {
    errs.push(DataError::new(
        path,
        feature_location(f),
        field,
        value,
        expected,
    ));
}

/// A feature's location: its index and, when it has one, its id.
pub fn feature_location(f: &RawFeature) -> Location {
    let id = prop_text(f, "id");
    let id = if id.is_empty() {
        f.id.clone()
    } else {
        Some(id)
    };
    match (id, u32::try_from(f.index)) {
        (Some(id), Ok(i)) => Location::FeatureId(i, id.into()),
        _ => Location::Feature(f.index),
    }
}

fn check_lonlat(c: geo::Coord<f64>) -> bool {
    (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
}

/// The feature's id: the `id` property, else the feature id, else its index.
fn feature_id(f: &RawFeature) -> String {
    let p = prop_text(f, "id");
    if !p.is_empty() {
        p
    } else {
        f.id.clone().unwrap_or_else(|| format!("#{}", f.index))
    }
}

fn bool_prop(errs: &mut DataErrors, path: &Path, f: &RawFeature, key: &str, default: bool) -> bool {
    let t = prop_text(f, key);
    if t.is_empty() {
        return default;
    }
    parse_bool(&t).unwrap_or_else(|| {
        feature_err(errs, path, f, key, &t, "true or false (yes/no, 1/0)");
        default
    })
}

/// An optional number property within `lo..=hi` (empty or null: `None`).
fn opt_number_prop(
    errs: &mut DataErrors,
    path: &Path,
    f: &RawFeature,
    key: &str,
    lo: f64,
    hi: f64,
) -> Option<f64> {
    let t = prop_text(f, key);
    if t.is_empty() {
        return None;
    }
    match normalize_digits(&t).parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Some(v),
        _ => {
            feature_err(
                errs,
                path,
                f,
                key,
                &t,
                format!("a number from {lo} to {hi}"),
            );
            None
        }
    }
}

/// The GeoJSON type name of a geometry, for messages.
pub fn geometry_type(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) | Geometry::Line(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

fn polygons(g: &Option<Geometry<f64>>) -> Option<geo::MultiPolygon<f64>> {
    match g {
        Some(Geometry::Polygon(p)) => Some(geo::MultiPolygon(vec![p.clone()])),
        Some(Geometry::MultiPolygon(m)) => Some(m.clone()),
        _ => None,
    }
}

fn all_coords_ok(m: &geo::MultiPolygon<f64>) -> bool {
    use geo::CoordsIter;
    m.coords_iter().all(check_lonlat)
}

pub fn districts_from(path: &Path, fs: &[RawFeature], errs: &mut DataErrors) -> Vec<District> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for f in fs {
        let code = feature_id_or(f, "code");
        if code.is_empty() {
            feature_err(errs, path, f, "code", "", "a district code");
            continue;
        }
        if !seen.insert(code.clone()) {
            feature_err(errs, path, f, "code", &code, "a district code used once");
            continue;
        }
        let boundary = match &f.geometry {
            None => None,
            g => match polygons(g) {
                Some(m) if all_coords_ok(&m) => Some(m),
                _ => {
                    feature_err(
                        errs,
                        path,
                        f,
                        "geometry",
                        "",
                        "a Polygon or MultiPolygon in lon/lat, or null",
                    );
                    None
                }
            },
        };
        out.push(District {
            code,
            name: prop_text(f, "name"),
            boundary,
            commissioner: prop_text(f, "commissioner"),
        });
    }
    out
}

fn feature_id_or(f: &RawFeature, key: &str) -> String {
    let t = prop_text(f, key);
    if t.is_empty() { feature_id(f) } else { t }
}

/// Maps an OSM `highway` value (or one of our class codes) to a road class.
pub fn road_class(highway: &str) -> Option<RoadClass> {
    RoadClass::parse(highway).or(match highway {
        "motorway_link" => Some(RoadClass::Motorway),
        // National routes (国道) have pavements in Japan: walkable like primary roads.
        "trunk_link" | "primary_link" => Some(RoadClass::Primary),
        "secondary_link" | "tertiary_link" => Some(RoadClass::Secondary),
        "road" | "busway" => Some(RoadClass::Residential),
        "bridleway" | "crossing" | "hallway" | "elevator" => Some(RoadClass::Footway),
        _ => None,
    })
}

pub fn roads_from(path: &Path, fs: &[RawFeature], errs: &mut DataErrors) -> Vec<Road> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for f in fs {
        let lines: Vec<&geo::LineString<f64>> = match &f.geometry {
            Some(Geometry::LineString(l)) => vec![l],
            Some(Geometry::MultiLineString(m)) => m.0.iter().collect(),
            Some(g) => {
                let kind = geometry_type(g);
                feature_err(
                    errs,
                    path,
                    f,
                    "geometry",
                    kind,
                    "a LineString or MultiLineString (a road is a line)",
                );
                continue;
            }
            None => {
                feature_err(
                    errs,
                    path,
                    f,
                    "geometry",
                    "null",
                    "a LineString or MultiLineString (a road is a line)",
                );
                continue;
            }
        };
        let highway = prop_text(f, "highway");
        let class = if highway.is_empty() {
            // A line without a class is taken as an ordinary street (documented).
            RoadClass::Residential
        } else if let Some(c) = road_class(&highway) {
            c
        } else {
            feature_err(
                errs,
                path,
                f,
                "highway",
                &highway,
                format!(
                    "a road class ({}) or an OSM highway value for a usable road",
                    RoadClass::expected()
                ),
            );
            continue;
        };
        let oneway_t = prop_text(f, "oneway");
        let oneway = Oneway::parse(&oneway_t).unwrap_or_else(|| {
            feature_err(errs, path, f, "oneway", &oneway_t, "yes, no or -1");
            Oneway::No
        });
        let wheelchair = match prop_text(f, "wheelchair").as_str() {
            "" => None,
            "no" | "false" => Some(false),
            _ => Some(true),
        };
        let bridge = !matches!(prop_text(f, "bridge").as_str(), "" | "no" | "false" | "0");
        let tunnel = !matches!(prop_text(f, "tunnel").as_str(), "" | "no" | "false" | "0");
        let id = feature_id(f);
        if !seen.insert(id.clone()) {
            feature_err(
                errs,
                path,
                f,
                "id",
                &id,
                "a road id used once (closures and reports name roads by id)",
            );
            continue;
        }
        for (k, l) in lines.iter().enumerate() {
            if let Some(c) = l.0.iter().find(|c| !check_lonlat(**c)) {
                feature_err(
                    errs,
                    path,
                    f,
                    "geometry",
                    &format!("[{}, {}]", c.x, c.y),
                    "longitude -180..180 and latitude -90..90",
                );
                break;
            }
            out.push(Road {
                ext_id: if lines.len() == 1 {
                    id.clone()
                } else {
                    format!("{id}#{k}")
                },
                coords: l.0.iter().map(|c| LonLat::new(c.x, c.y)).collect(),
                class,
                bridge,
                tunnel,
                oneway,
                wheelchair,
                name: prop_text(f, "name"),
            });
        }
    }
    out
}

fn hazards_prop(errs: &mut DataErrors, path: &Path, f: &RawFeature) -> HazardSet {
    let mut set = HazardSet::default();
    let items: Vec<String> = match f.properties.get("hazards") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect(),
        Some(Value::String(s)) => s
            .split([';', ','])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::Null) | None => vec![],
        Some(v) => {
            feature_err(
                errs,
                path,
                f,
                "hazards",
                &v.to_string(),
                "an array of hazard codes",
            );
            vec![]
        }
    };
    for h in items {
        match HazardType::parse(&h) {
            Some(t) => set.insert(t),
            None => feature_err(errs, path, f, "hazards", &h, HazardType::expected()),
        }
    }
    set
}

pub fn shelters_from(path: &Path, fs: &[RawFeature], errs: &mut DataErrors) -> Vec<Shelter> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for f in fs {
        let location = match &f.geometry {
            Some(Geometry::Point(p)) if check_lonlat(p.0) => LonLat::new(p.x(), p.y()),
            _ => {
                feature_err(
                    errs,
                    path,
                    f,
                    "geometry",
                    "",
                    "a Point in lon/lat (a shelter is a place)",
                );
                continue;
            }
        };
        let ext_id = feature_id(f);
        if !seen.insert(ext_id.clone()) {
            feature_err(errs, path, f, "id", &ext_id, "an id used once");
        }
        let kind_t = prop_text(f, "kind");
        let Some(kind) = ShelterKind::parse(&kind_t) else {
            feature_err(errs, path, f, "kind", &kind_t, ShelterKind::expected());
            continue;
        };
        let cap_t = prop_text(f, "capacity");
        let capacity = if cap_t.is_empty() {
            0
        } else {
            normalize_digits(&cap_t).parse::<u32>().unwrap_or_else(|_| {
                feature_err(
                    errs,
                    path,
                    f,
                    "capacity",
                    &cap_t,
                    "a whole number of people (0 = unknown)",
                );
                0
            })
        };
        let wa_t = prop_text(f, "welfare_access");
        let welfare_access = match (kind, WelfareAccess::parse(&wa_t)) {
            (ShelterKind::WelfareShelter, Some(a)) => Some(a),
            (ShelterKind::WelfareShelter, None) => {
                feature_err(
                    errs,
                    path,
                    f,
                    "welfare_access",
                    &wa_t,
                    "direct or transfer_only for a welfare shelter",
                );
                None
            }
            (_, _) if wa_t.is_empty() => None,
            (_, _) => {
                feature_err(
                    errs,
                    path,
                    f,
                    "welfare_access",
                    &wa_t,
                    "empty (only welfare shelters have an access rule)",
                );
                None
            }
        };
        out.push(Shelter {
            ext_id,
            name: prop_text(f, "name"),
            address: prop_text(f, "address"),
            location,
            kind,
            hazards: hazards_prop(errs, path, f),
            capacity,
            indoor: bool_prop(errs, path, f, "indoor", true),
            barrier_free: bool_prop(errs, path, f, "barrier_free", false),
            welfare_access,
        });
    }
    out
}

pub fn hazards_from(path: &Path, fs: &[RawFeature], errs: &mut DataErrors) -> Vec<HazardZone> {
    let mut out = Vec::new();
    for f in fs {
        let Some(geometry) = polygons(&f.geometry).filter(all_coords_ok) else {
            feature_err(
                errs,
                path,
                f,
                "geometry",
                "",
                "a Polygon or MultiPolygon in lon/lat (a hazard zone is an area)",
            );
            continue;
        };
        let kind_t = prop_text(f, "kind");
        let Some(kind) = HazardKind::parse(&kind_t) else {
            feature_err(errs, path, f, "kind", &kind_t, HazardKind::expected());
            continue;
        };
        let rank_t = prop_text(f, "depth_rank");
        let depth_rank = if rank_t.is_empty() {
            None
        } else {
            let r = normalize_digits(&rank_t)
                .parse::<u8>()
                .ok()
                .and_then(DepthRank::new);
            if r.is_none() {
                feature_err(
                    errs,
                    path,
                    f,
                    "depth_rank",
                    &rank_t,
                    "a depth rank 1-6 (A31a_205)",
                );
            }
            r
        };
        if depth_rank.is_none()
            && rank_t.is_empty()
            && matches!(
                kind,
                HazardKind::RiverFlood
                    | HazardKind::InlandFlood
                    | HazardKind::Tsunami
                    | HazardKind::StormSurge
            )
        {
            feature_err(
                errs,
                path,
                f,
                "depth_rank",
                "",
                "a depth rank 1-6 for a flood-type zone",
            );
        }
        let arrival_min = opt_number_prop(errs, path, f, "arrival_min", 0.0, 7.0 * 24.0 * 60.0);
        let duration_h = opt_number_prop(errs, path, f, "duration_h", 0.0, 365.0 * 24.0);
        out.push(HazardZone {
            ext_id: feature_id(f),
            kind,
            depth_rank,
            arrival_min,
            duration_h,
            source: prop_text(f, "source"),
            geometry,
        });
    }
    out
}

fn lonlat(r: &mut Row) -> Option<LonLat> {
    let lon = r.number("lon", -180.0, 180.0);
    let lat = r.number("lat", -90.0, 90.0);
    Some(LonLat::new(lon?, lat?))
}

fn district(
    r: &mut Row,
    districts: &BTreeMap<String, DistrictId>,
    opts: &LoadOptions,
) -> Option<DistrictId> {
    let code = r.required("district", "a district code from districts.geojson")?;
    let d = districts.get(&code).copied();
    if d.is_none() && !opts.districts_failed {
        r.error(
            "district",
            &code,
            "a district code listed in districts.geojson",
        );
    }
    d
}

fn unique_id(r: &mut Row, seen: &mut BTreeSet<String>) -> Option<String> {
    let id = r.required("id", "an id")?;
    if !seen.insert(id.clone()) {
        r.error("id", &id, "an id used once in this file");
    }
    Some(id)
}

/// What a date field must be, for messages ("a birth date from A to B ...").
fn date_between(what: &str, lo: Date, hi: Date, why: &str) -> String {
    format!("{what} from {lo} to {hi} ({why})")
}

pub fn people_from(
    path: &Path,
    rows: &[RawRow],
    districts: &BTreeMap<String, DistrictId>,
    opts: &LoadOptions,
    errs: &mut DataErrors,
) -> Vec<Person> {
    let rules = opts.plausibility;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for raw in rows {
        let mut r = Row::new(path, raw, PEOPLE_COLUMNS, errs);
        let ext_id = unique_id(&mut r, &mut seen);
        let district = district(&mut r, districts, opts);
        let name = r.required("name", "the person's name");
        let birth_date = r
            .parse("birth_date", csv_in::DATE_EXPECTED, parse_date)
            .and_then(|d| {
                let (lo, hi) = match opts.as_of {
                    Some(as_of) => rules.birth_range(as_of),
                    None => (rules.earliest_birth, Date::MAX),
                };
                if (lo..=hi).contains(&d) {
                    return Some(d);
                }
                let why = match opts.as_of {
                    Some(as_of) => format!(
                        "ages 0 to {} on the as-of date {as_of}; not before {}",
                        rules.max_age, rules.earliest_birth
                    ),
                    None => format!("not before {}", rules.earliest_birth),
                };
                let hi = if hi == Date::MAX {
                    "today".to_owned()
                } else {
                    hi.to_string()
                };
                r.error(
                    "birth_date",
                    &d.to_string(),
                    format!("a birth date from {lo} to {hi} ({why})"),
                );
                None
            });
        let sex = r.parse_or(
            "sex",
            Sex::Unknown,
            "female, male, other or unknown (女/男)",
            Sex::parse,
        );
        let address = r.required("address", "the home address");
        let home = lonlat(&mut r);
        let reasons = r.list("reasons", SupportReason::EXPECTED, SupportReason::parse);
        if r.text("reasons").is_empty() {
            r.error("reasons", "", "at least one reason support is needed");
        }
        let mobility = r.parse("mobility", &Mobility::expected(), Mobility::parse);
        let helpers_needed = r.parse_or(
            "helpers_needed",
            mobility.map(Mobility::default_helpers_needed).unwrap_or(1),
            "1 or 2",
            |s| {
                normalize_digits(s)
                    .parse::<u8>()
                    .ok()
                    .filter(|n| (1..=2).contains(n))
            },
        );
        let needs = r.list("needs", &Need::expected(), Need::parse);
        let floor = |s: &str| {
            normalize_digits(s)
                .trim_end_matches('階')
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=60).contains(n))
        };
        let floors = r.parse_or("floors", 1, "a number of floors 1-60", floor);
        let bedroom_floor = r.parse_or("bedroom_floor", 1, "a floor number 1-60", floor);
        if bedroom_floor > floors {
            r.error(
                "bedroom_floor",
                &bedroom_floor.to_string(),
                format!("at most the number of floors ({floors})"),
            );
        }
        let structure = r.parse_or(
            "structure",
            Structure::Wood,
            &Structure::expected(),
            Structure::parse,
        );
        let household = r.parse_or(
            "household",
            Household::WithFamily,
            &Household::expected(),
            Household::parse,
        );
        let mut contacts = Vec::new();
        for k in 1..=2 {
            let (n, rel, ph) = (
                format!("contact{k}_name"),
                format!("contact{k}_relation"),
                format!("contact{k}_phone"),
            );
            let c = Contact {
                name: r.text(&n),
                relation: r.text(&rel),
                phone: r.text(&ph),
            };
            if !c.name.is_empty() || !c.phone.is_empty() {
                contacts.push(c);
            }
        }
        let consent_plan = r.parse("consent_plan", "true or false (同意/不同意)", parse_bool);
        let consent_share = r.parse("consent_share", "true or false (同意/不同意)", parse_bool);
        let family_helper = r.parse_or(
            "family_helper",
            None,
            "empty or none (nobody at home can help), or when a household member can: always, \
             day, night or weekday_day;weekday_night;weekend_day;weekend_night",
            |s| match s {
                "none" | "なし" => Some(None),
                _ => parse_availability(s).map(Some),
            },
        );
        let (
            Some(ext_id),
            Some(district),
            Some(name),
            Some(birth_date),
            Some(address),
            Some(home),
            Some(mobility),
            Some(plan),
            Some(share),
        ) = (
            ext_id,
            district,
            name,
            birth_date,
            address,
            home,
            mobility,
            consent_plan,
            consent_share,
        )
        else {
            continue;
        };
        out.push(Person {
            ext_id,
            district,
            home,
            address,
            name,
            kana: r.text("kana"),
            birth_date,
            sex,
            phone: r.text("phone"),
            reasons,
            mobility,
            helpers_needed,
            needs,
            building: Building {
                floors,
                bedroom_floor,
                structure,
            },
            household,
            contacts,
            consent: Consent { plan, share },
            daytime_place: r.text("daytime_place"),
            notes: r.text("notes"),
            family_helper,
            family_doctor: r.text("family_doctor"),
            care_manager: r.text("care_manager"),
        });
    }
    out
}

/// Parses `weekday_day;weekday_night;weekend_day;weekend_night`, or `always`, `day`, `night`.
pub fn parse_availability(s: &str) -> Option<Availability> {
    let mut a = Availability {
        weekday_day: false,
        weekday_night: false,
        weekend_day: false,
        weekend_night: false,
    };
    for item in s
        .split([';', '、', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match item {
            "always" | "終日" | "いつでも" => a = Availability::ALWAYS,
            "day" | "日中" => (a.weekday_day, a.weekend_day) = (true, true),
            "night" | "夜間" => (a.weekday_night, a.weekend_night) = (true, true),
            "weekday_day" | "平日日中" => a.weekday_day = true,
            "weekday_night" | "平日夜間" => a.weekday_night = true,
            "weekend_day" | "休日日中" => a.weekend_day = true,
            "weekend_night" | "休日夜間" => a.weekend_night = true,
            _ => return None,
        }
    }
    Some(a)
}

/// Writes an availability in the canonical form.
pub fn availability_code(a: Availability) -> String {
    if a == Availability::ALWAYS {
        return "always".into();
    }
    [
        (a.weekday_day, "weekday_day"),
        (a.weekday_night, "weekday_night"),
        (a.weekend_day, "weekend_day"),
        (a.weekend_night, "weekend_night"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, c)| *c)
    .collect::<Vec<_>>()
    .join(";")
}

pub fn volunteers_from(
    path: &Path,
    rows: &[RawRow],
    districts: &BTreeMap<String, DistrictId>,
    opts: &LoadOptions,
    errs: &mut DataErrors,
) -> Vec<Volunteer> {
    let rules = opts.plausibility;
    let (lo, hi, why) = match opts.as_of {
        Some(as_of) => {
            let (lo, hi) = rules.volunteer_birth_years(as_of);
            let why = format!(
                "ages {} to {} in {}",
                rules.volunteer_min_age,
                rules.volunteer_max_age,
                as_of.year()
            );
            (lo, hi, why)
        }
        None => (
            rules.earliest_birth.year(),
            9999,
            "a plausible year".to_owned(),
        ),
    };
    let expected = format!("a birth year such as 1950, from {lo} to {hi} ({why})");
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for raw in rows {
        let mut r = Row::new(path, raw, VOLUNTEER_COLUMNS, errs);
        let ext_id = unique_id(&mut r, &mut seen);
        let district = district(&mut r, districts, opts);
        let name = r.required("name", "the volunteer's name");
        let home = lonlat(&mut r);
        let birth_year = r.parse("birth_year", &expected, |s| {
            normalize_digits(s)
                .trim_end_matches('年')
                .parse::<i32>()
                .ok()
                .filter(|y| (lo..=hi).contains(y))
        });
        let roles = r.list("roles", &Role::expected(), Role::parse);
        if roles.is_empty() && r.text("roles").is_empty() {
            r.error("roles", "", "at least one role");
        }
        let capacity = r.parse_or("capacity", 1, "a number of people 0-20", |s| {
            normalize_digits(s)
                .trim_end_matches('人')
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 20)
        });
        let skills = r.list("skills", &Skill::expected(), Skill::parse);
        let availability = r.parse_or(
            "availability",
            Availability::ALWAYS,
            "always, day, night or weekday_day;weekday_night;weekend_day;weekend_night",
            parse_availability,
        );
        let consent_named = r.parse("consent_named", "true or false (同意/不同意)", parse_bool);
        let (
            Some(ext_id),
            Some(district),
            Some(name),
            Some(home),
            Some(birth_year),
            Some(consent_named),
        ) = (ext_id, district, name, home, birth_year, consent_named)
        else {
            continue;
        };
        out.push(Volunteer {
            ext_id,
            district,
            home,
            name,
            phone: r.text("phone"),
            birth_year,
            roles,
            capacity,
            skills,
            availability,
            consent_named,
            address: r.text("address"),
        });
    }
    out
}

/// Validates watch records; with `check_refs` false, records naming unknown people or
/// volunteers are dropped silently (used when the roster itself failed to load).
pub fn records_from(
    path: &Path,
    rows: &[RawRow],
    map: &Map,
    check_refs: bool,
    opts: &LoadOptions,
    errs: &mut DataErrors,
) -> Vec<WatchRecord> {
    let range = opts
        .as_of
        .map(|as_of| (opts.plausibility.record_range(as_of), as_of));
    let people: BTreeMap<&str, PersonId> = map
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.ext_id.as_str(), PersonId(i as u32)))
        .collect();
    let vols: BTreeMap<&str, VolunteerId> = map
        .volunteers
        .iter()
        .enumerate()
        .map(|(i, v)| (v.ext_id.as_str(), VolunteerId(i as u32)))
        .collect();
    // (records out of range, line of the first, its date), after and before the window.
    type OutOfRange = (usize, u64, Option<Date>);
    let (mut late, mut early): (OutOfRange, OutOfRange) = ((0, 0, None), (0, 0, None));
    let mut out = Vec::with_capacity(rows.len());
    for raw in rows {
        let mut r = Row::new(path, raw, WATCH_COLUMNS, errs);
        let date = r
            .parse("date", csv_in::DATE_EXPECTED, parse_date)
            .and_then(|d| match range {
                // Counted, then reported once per direction below: a wrong as-of date or a
                // shifted export puts hundreds of records out of range with one root cause.
                Some(((lo, hi), _)) if !(lo..=hi).contains(&d) => {
                    let slot = if d > hi { &mut late } else { &mut early };
                    if slot.0 == 0 {
                        slot.1 = raw.line;
                        slot.2 = Some(d);
                    }
                    slot.0 += 1;
                    None
                }
                _ => Some(d),
            });
        let (person, volunteer) = if check_refs {
            (
                r.parse("person", "the id of a person in people.csv", |s| {
                    people.get(s).copied()
                }),
                r.parse(
                    "volunteer",
                    "the id of a volunteer in volunteers.csv",
                    |s| vols.get(s).copied(),
                ),
            )
        } else {
            (
                people.get(r.text("person").as_str()).copied(),
                vols.get(r.text("volunteer").as_str()).copied(),
            )
        };
        let method = r.parse("method", &WatchMethod::expected(), WatchMethod::parse);
        let outcome = r.parse("outcome", &WatchOutcome::expected(), WatchOutcome::parse);
        let concern = r.parse_or("concern", None, &Concern::expected(), |s| {
            Concern::parse(s).map(Some)
        });
        let referral = r.parse_or("referral", None, &Referral::expected(), |s| {
            Referral::parse(s).map(Some)
        });
        if let (Some(date), Some(person), Some(volunteer), Some(method), Some(outcome)) =
            (date, person, volunteer, method, outcome)
        {
            out.push(WatchRecord {
                date,
                person,
                volunteer,
                method,
                outcome,
                concern,
                referral,
            });
        }
    }
    if let Some(((lo, hi), as_of)) = range {
        for ((n, line, first), after) in [(late, true), (early, false)] {
            let Some(first) = first else { continue };
            let why = if after {
                format!(
                    "a record cannot be after the as-of date {as_of}; check the dates or --as-of"
                )
            } else {
                format!(
                    "at most {} years before the as-of date {as_of}",
                    opts.plausibility.record_window_years
                )
            };
            let others = if n > 1 {
                format!("; {n} records in all are outside this range, the first on this line")
            } else {
                String::new()
            };
            errs.push(DataError::new(
                path,
                Location::Line(line),
                "date",
                first.to_string(),
                format!("{}{others}", date_between("a date", lo, hi, &why)),
            ));
        }
    }
    out
}

// ---------------------------------------------------------------- writing

fn feature_collection(features: Vec<Value>) -> Vec<u8> {
    // One feature per line: diffs stay readable and the file streams.
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&f.to_string());
    }
    s.push_str("\n]}\n");
    s.into_bytes()
}

fn round7(v: f64) -> f64 {
    super::round_to(v, 7)
}

fn pos(p: LonLat) -> Value {
    json!([round7(p.lon), round7(p.lat)])
}

fn multipolygon_json(m: &geo::MultiPolygon<f64>) -> Value {
    let ring = |l: &geo::LineString<f64>| {
        Value::Array(l.0.iter().map(|c| pos(LonLat::new(c.x, c.y))).collect())
    };
    json!({
        "type": "MultiPolygon",
        "coordinates": m.0.iter().map(|p| {
            std::iter::once(ring(p.exterior())).chain(p.interiors().iter().map(ring)).collect::<Vec<_>>()
        }).collect::<Vec<_>>()
    })
}

fn feature(id: &str, props: JsonMap<String, Value>, geometry: Value) -> Value {
    json!({"type": "Feature", "id": id, "properties": props, "geometry": geometry})
}

fn props(v: Value) -> JsonMap<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => JsonMap::new(),
    }
}

pub fn roads_geojson(roads: &[Road]) -> Vec<u8> {
    feature_collection(
        roads
            .iter()
            .map(|r| {
                let mut p = props(json!({"highway": r.class.code()}));
                if r.bridge { p.insert("bridge".into(), json!("yes")); }
                if r.tunnel { p.insert("tunnel".into(), json!("yes")); }
                if r.oneway != Oneway::No { p.insert("oneway".into(), json!(r.oneway.code())); }
                if let Some(w) = r.wheelchair { p.insert("wheelchair".into(), json!(if w { "yes" } else { "no" })); }
                if !r.name.is_empty() { p.insert("name".into(), json!(r.name)); }
                feature(&r.ext_id, p, json!({"type": "LineString", "coordinates": r.coords.iter().map(|c| pos(*c)).collect::<Vec<_>>()}))
            })
            .collect(),
    )
}

pub fn shelters_geojson(shelters: &[Shelter]) -> Vec<u8> {
    feature_collection(
        shelters
            .iter()
            .map(|s| {
                let mut p = props(json!({
                    "name": s.name, "address": s.address, "kind": s.kind.code(),
                    "hazards": s.hazards, "capacity": s.capacity, "indoor": s.indoor, "barrier_free": s.barrier_free,
                }));
                if let Some(a) = s.welfare_access {
                    p.insert("welfare_access".into(), json!(a.code()));
                }
                feature(&s.ext_id, p, json!({"type": "Point", "coordinates": pos(s.location)}))
            })
            .collect(),
    )
}

pub fn hazards_geojson(zones: &[HazardZone]) -> Vec<u8> {
    feature_collection(
        zones
            .iter()
            .map(|z| {
                let mut p = props(json!({"kind": z.kind.code(), "source": z.source}));
                if let Some(r) = z.depth_rank {
                    p.insert("depth_rank".into(), json!(r.get()));
                }
                if let Some(a) = z.arrival_min {
                    p.insert("arrival_min".into(), json!(a));
                }
                if let Some(d) = z.duration_h {
                    p.insert("duration_h".into(), json!(d));
                }
                feature(&z.ext_id, p, multipolygon_json(&z.geometry))
            })
            .collect(),
    )
}

pub fn districts_geojson(districts: &[District]) -> Vec<u8> {
    feature_collection(
        districts
            .iter()
            .map(|d| {
                let geometry = d.boundary.as_ref().map_or(Value::Null, multipolygon_json);
                feature(
                    &d.code,
                    props(if d.commissioner.is_empty() {
                        json!({"code": d.code, "name": d.name})
                    } else {
                        json!({"code": d.code, "name": d.name, "commissioner": d.commissioner})
                    }),
                    geometry,
                )
            })
            .collect(),
    )
}

fn csv_bytes(header: &[Column], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|c| c.name))
        .expect("writing to memory");
    for r in rows {
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

fn join_codes<T>(items: &[T], code: impl Fn(&T) -> String) -> String {
    items.iter().map(code).collect::<Vec<_>>().join(";")
}

fn fmt_coord(v: f64) -> String {
    format!("{:.7}", v)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

pub fn people_csv(map: &Map) -> Vec<u8> {
    csv_bytes(
        PEOPLE_COLUMNS,
        map.people.iter().map(|p| {
            let c = |k: usize| {
                p.contacts.get(k).cloned().unwrap_or(Contact {
                    name: String::new(),
                    relation: String::new(),
                    phone: String::new(),
                })
            };
            let (c1, c2) = (c(0), c(1));
            vec![
                p.ext_id.clone(),
                map.district(p.district).code.clone(),
                p.name.clone(),
                p.kana.clone(),
                p.birth_date.to_string(),
                p.sex.code().into(),
                p.address.clone(),
                p.phone.clone(),
                fmt_coord(p.home.lon),
                fmt_coord(p.home.lat),
                join_codes(&p.reasons, |r| r.code()),
                p.mobility.code().into(),
                p.helpers_needed.to_string(),
                join_codes(&p.needs, |n| n.code().into()),
                p.building.floors.to_string(),
                p.building.bedroom_floor.to_string(),
                p.building.structure.code().into(),
                p.household.code().into(),
                c1.name,
                c1.relation,
                c1.phone,
                c2.name,
                c2.relation,
                c2.phone,
                p.consent.plan.to_string(),
                p.consent.share.to_string(),
                p.daytime_place.clone(),
                p.notes.clone(),
                p.family_helper.map(availability_code).unwrap_or_default(),
                p.family_doctor.clone(),
                p.care_manager.clone(),
            ]
        }),
    )
}

pub fn volunteers_csv(map: &Map) -> Vec<u8> {
    csv_bytes(
        VOLUNTEER_COLUMNS,
        map.volunteers.iter().map(|v| {
            vec![
                v.ext_id.clone(),
                map.district(v.district).code.clone(),
                v.name.clone(),
                v.phone.clone(),
                fmt_coord(v.home.lon),
                fmt_coord(v.home.lat),
                v.birth_year.to_string(),
                join_codes(&v.roles, |r| r.code().into()),
                v.capacity.to_string(),
                join_codes(&v.skills, |s| s.code().into()),
                availability_code(v.availability),
                v.consent_named.to_string(),
                v.address.clone(),
            ]
        }),
    )
}

pub fn watch_records_csv(map: &Map) -> Vec<u8> {
    csv_bytes(
        WATCH_COLUMNS,
        map.records.iter().map(|r| {
            vec![
                r.date.to_string(),
                map.person(r.person).ext_id.clone(),
                map.volunteer(r.volunteer).ext_id.clone(),
                r.method.code().into(),
                r.outcome.code().into(),
                r.concern.map(|c| c.code().to_owned()).unwrap_or_default(),
                r.referral.map(|c| c.code().to_owned()).unwrap_or_default(),
            ]
        }),
    )
}

/// Reads `pins.csv`: one row per person, naming a helper, a destination or both, each an id
/// of the map's own files.
pub fn pins_from(path: &Path, rows: &[RawRow], map: &Map, errs: &mut DataErrors) -> Vec<Pin> {
    let people: BTreeMap<&str, PersonId> = map
        .person_ids()
        .map(|p| (map.person(p).ext_id.as_str(), p))
        .collect();
    let vols: BTreeMap<&str, VolunteerId> = map
        .volunteer_ids()
        .map(|v| (map.volunteer(v).ext_id.as_str(), v))
        .collect();
    let shelters: BTreeMap<&str, ShelterId> = map
        .shelter_ids()
        .map(|s| (map.shelter(s).ext_id.as_str(), s))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for raw in rows {
        let mut r = Row::new(path, raw, PIN_COLUMNS, errs);
        let person = r.parse("person_id", "the id of a person in people.csv", |s| {
            people.get(s).copied()
        });
        if let Some(p) = person
            && !seen.insert(p)
        {
            let id = r.text("person_id");
            r.error("person_id", &id, "one pins.csv row per person");
        }
        let helper = r.parse_or(
            "helper_id",
            None,
            "empty, or the id of a volunteer in volunteers.csv",
            |s| vols.get(s).copied().map(Some),
        );
        let destination = r.parse_or(
            "destination_id",
            None,
            "empty, or the id of a shelter in shelters.geojson",
            |s| shelters.get(s).copied().map(Some),
        );
        if r.text("helper_id").is_empty() && r.text("destination_id").is_empty() {
            r.error(
                "helper_id",
                "",
                "a helper id, a destination id or both (a pin fixes at least one)",
            );
        }
        if let Some(person) = person
            && (helper.is_some() || destination.is_some())
        {
            out.push(Pin {
                person,
                helper,
                destination,
                note: r.text("note"),
            });
        }
    }
    out
}

pub fn pins_csv(map: &Map) -> Vec<u8> {
    csv_bytes(
        PIN_COLUMNS,
        map.pins.iter().map(|p| {
            vec![
                map.person(p.person).ext_id.clone(),
                p.helper
                    .map(|v| map.volunteer(v).ext_id.clone())
                    .unwrap_or_default(),
                p.destination
                    .map(|s| map.shelter(s).ext_id.clone())
                    .unwrap_or_default(),
                p.note.clone(),
            ]
        }),
    )
}

pub fn meta_toml(meta: &MapMeta) -> Vec<u8> {
    toml::to_string_pretty(meta)
        .expect("MapMeta serialises")
        .into_bytes()
}

/// Writes every file of a map folder (each through a temporary file and a rename).
pub fn write_map(dir: &Path, map: &Map) -> std::io::Result<()> {
    let files: [(&str, Vec<u8>); 8] = [
        (DISTRICTS, districts_geojson(&map.districts)),
        (ROADS, roads_geojson(&map.roads)),
        (SHELTERS, shelters_geojson(&map.shelters)),
        (HAZARDS, hazards_geojson(&map.hazards)),
        (PEOPLE, people_csv(map)),
        (VOLUNTEERS, volunteers_csv(map)),
        (WATCH_RECORDS, watch_records_csv(map)),
        (MAP_TOML, meta_toml(&map.meta)),
    ];
    for (name, bytes) in files {
        write_atomic(&dir.join(name), &bytes)?;
    }
    if !map.pins.is_empty() {
        write_atomic(&dir.join(PINS), &pins_csv(map))?;
    }
    Ok(())
}
