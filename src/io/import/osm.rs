//! OpenStreetMap roads: `.osm.pbf`, OSM XML (`.osm`) and Overpass API JSON into `roads.geojson`.
//!
//! Why two passes: highway ways are a small share of a map extract (Liechtenstein: 8,271 of
//! 34,073 ways, 80,630 of 318,592 nodes), and ways come after the nodes they use. So the
//! first pass keeps only the usable highway ways and the ids of their nodes; the second keeps
//! the coordinates of exactly those nodes. Memory stays proportional to the road network, not
//! the extract, and PBF and XML are both read as streams. Overpass JSON answers are small and
//! already hold only what was asked for, so they are read whole.
//!
//! PBF: DenseNodes and plain Nodes are both read, deleted (`visible=false`) nodes of history
//! files are ignored, and ways that carry their own coordinates (`LocationsOnWays`) use them
//! instead of node lookups. Overpass `out geom` coordinates on ways are used the same way.
//!
//! **Which ways become roads** ([`classify`]): a way with a `highway` tag, except
//! - `highway` = construction, proposed, planned, abandoned, disused, razed, platform, raceway,
//!   rest_area, services, bus_stop, emergency_bay (not passable, or not a way to walk or drive);
//! - `access` = private or no, unless `foot` = yes, designated or permissive (people on foot may
//!   use it, and evacuation is on foot first);
//! - a `highway` value [`crate::io::mapdir::road_class`] cannot map (reported by value).
//!
//! **Walking** ([`classify`]): only `motorway` and `motorway_link` are closed to people on foot
//! by their `highway` value. `trunk` and `trunk_link` (national routes, 国道) become primary
//! roads, walkable, because in Japan they have pavements; a trunk tagged `sidewalk` = no or
//! none (or `sidewalk:both` = no) has none, and is imported as `motorway` (closed to walkers).
//! Any road cars may use that is tagged `foot` = no is imported as `motorway` too, so the
//! tag's meaning survives in the map file's class.
//!
//! `oneway` = yes/true/1 is forward, -1/reverse backward, anything else two-way;
//! `junction` = roundabout or circular without an `oneway` tag is forward (OSM convention).
//!
//! **Bounding box**: a way is kept *whole* when at least one of its resolved nodes lies inside;
//! nothing is clipped, so routes along the edge keep their real ends.
//!
//! **Missing nodes**: references to nodes absent from the file (extract edges) are skipped and
//! counted; a way left with fewer than two positions is dropped and counted.
//!
//! Output is sorted by way id, so the same input always gives the same bytes. Besides the core
//! properties [`crate::io::mapdir::roads_from`] reads (`highway` as our class code, `bridge`,
//! `tunnel`, `oneway`, `wheelchair`, `name`), each feature keeps `osm_id`, `osm_highway`,
//! `osm_nodes` (node ids in order, for joining ways into a graph) and the routing tags in
//! [`EXTRA_TAGS`] when present.

use super::{ImportError, Plan, meta_with_source};
use crate::io::geojson_in::read_feature_collection;
use crate::io::mapdir::{self, road_class};
use crate::io::{DataError, DataErrors, Location};
use crate::model::{DataSource, LonLat, Oneway, Road, RoadClass};
use serde::Deserialize;
use serde_json::{Map as JsonMap, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// OSM tags copied into `roads.geojson` as extra properties, because routing profiles (walking,
/// wheelchair, car, snow) use them.
pub const EXTRA_TAGS: &[&str] = &[
    "footway",
    "sidewalk",
    "surface",
    "smoothness",
    "incline",
    "access",
    "foot",
    "width",
    "lit",
    "step_count",
    "handrail",
    "ramp",
    "layer",
    "maxspeed",
];

/// Tags read from ways; everything else is dropped in the first pass to save memory.
const WANTED_TAGS: &[&str] = &[
    "highway",
    "name",
    "oneway",
    "junction",
    "bridge",
    "tunnel",
    "wheelchair",
];

/// `highway` values that are not a way anyone can use now.
const EXCLUDED_HIGHWAYS: &[&str] = &[
    "construction",
    "proposed",
    "planned",
    "abandoned",
    "disused",
    "razed",
    "platform",
    "raceway",
    "rest_area",
    "services",
    "bus_stop",
    "emergency_bay",
];

/// The three source formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OsmFormat {
    Pbf,
    Xml,
    OverpassJson,
}

impl OsmFormat {
    /// Decides by extension, else by the first byte (`{` JSON, `<` XML, else PBF).
    pub fn detect(path: &Path) -> Result<Self, ImportError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".bz2") || name.ends_with(".gz") {
            return Err(ImportError::format(
                path,
                "compressed OSM XML is not read directly; decompress it first (bunzip2 / gunzip) or use the .osm.pbf",
            ));
        }
        if name.ends_with(".pbf") {
            return Ok(OsmFormat::Pbf);
        }
        if name.ends_with(".osm") || name.ends_with(".xml") {
            return Ok(OsmFormat::Xml);
        }
        if name.ends_with(".json") {
            return Ok(OsmFormat::OverpassJson);
        }
        use std::io::Read;
        let mut first = [0u8; 64];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut first))
            .map_err(|e| ImportError::io(path, e))?;
        match first[..n]
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        {
            Some(b'{') => Ok(OsmFormat::OverpassJson),
            Some(b'<') => Ok(OsmFormat::Xml),
            _ => Ok(OsmFormat::Pbf),
        }
    }
}

/// A lon/lat box, `W,S,E,N` in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bbox {
    /// Parses `W,S,E,N` (lon, lat, lon, lat). `None` unless four numbers with W < E and S < N.
    pub fn parse(s: &str) -> Option<Self> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>().ok())
            .collect::<Option<_>>()?;
        let [west, south, east, north] = v[..] else {
            return None;
        };
        (west < east
            && south < north
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north))
        .then_some(Bbox {
            west,
            south,
            east,
            north,
        })
    }

    pub fn contains(&self, p: LonLat) -> bool {
        p.lon >= self.west && p.lon <= self.east && p.lat >= self.south && p.lat <= self.north
    }
}

/// What the reader saw and did, for the import summary and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OsmStats {
    /// Node elements in the file (deleted ones included).
    pub nodes: u64,
    /// Nodes marked deleted (`visible=false`, history files); never used.
    pub deleted_nodes: u64,
    pub ways: u64,
    pub relations: u64,
    /// Ways with a `highway` tag.
    pub highway_ways: u64,
    /// Highway ways left out by the filter, by reason (e.g. `highway=construction`).
    pub excluded: BTreeMap<String, u64>,
    /// Node references that did not resolve to a node in the file.
    pub missing_refs: u64,
    /// Ways with at least one missing node reference.
    pub ways_with_missing_refs: u64,
    /// Ways dropped because fewer than two positions resolved.
    pub too_short: u64,
    /// Ways dropped because no node lies inside the bounding box.
    pub outside_bbox: u64,
    /// Roads written.
    pub roads: u64,
    /// Distinct nodes used by the roads written.
    pub road_nodes: u64,
}

/// One imported road: the model value plus what OSM says beyond it.
#[derive(Clone, Debug, PartialEq)]
pub struct OsmRoad {
    pub road: Road,
    pub osm_id: i64,
    /// The original `highway` value (`road.class` is our coarser class).
    pub osm_highway: String,
    /// OSM node ids of `road.coords`, in order.
    pub node_ids: Vec<i64>,
    /// Values of [`EXTRA_TAGS`] present on the way.
    pub extra: BTreeMap<String, String>,
}

/// A way as read in the first pass (only usable highways, only the tags we need).
#[derive(Clone, Debug)]
struct RawWay {
    id: i64,
    class: RoadClass,
    tags: BTreeMap<String, String>,
    refs: Vec<i64>,
    /// Coordinates carried on the way itself (PBF LocationsOnWays, Overpass `out geom`).
    locs: Vec<Option<LonLat>>,
}

/// Decides whether a highway way becomes a road; `Err` holds the reason it is left out.
pub fn classify(tags: &dyn Fn(&str) -> Option<String>) -> Result<RoadClass, String> {
    let highway = tags("highway").ok_or_else(|| "no highway tag".to_owned())?;
    if EXCLUDED_HIGHWAYS.contains(&highway.as_str()) {
        return Err(format!("highway={highway}"));
    }
    if let Some(access) = tags("access")
        && matches!(access.as_str(), "private" | "no")
        && !matches!(
            tags("foot").as_deref(),
            Some("yes" | "designated" | "permissive")
        )
    {
        return Err(format!("access={access}"));
    }
    let class = road_class(&highway).ok_or_else(|| format!("highway={highway} (no road class)"))?;
    let foot_no = tags("foot").as_deref() == Some("no");
    let trunk_without_pavement = matches!(highway.as_str(), "trunk" | "trunk_link")
        && (matches!(tags("sidewalk").as_deref(), Some("no" | "none"))
            || tags("sidewalk:both").as_deref() == Some("no"));
    if class.drivable() && (foot_no || trunk_without_pavement) {
        // Cars only: the one class people on foot may not use.
        return Ok(RoadClass::Motorway);
    }
    Ok(class)
}

/// Accumulates the first pass.
#[derive(Default)]
struct Collector {
    stats: OsmStats,
    ways: Vec<RawWay>,
}

impl Collector {
    /// Offers one way (id, tag lookup list, refs, carried coordinates).
    fn way(
        &mut self,
        id: i64,
        tags: Vec<(String, String)>,
        refs: Vec<i64>,
        locs: Vec<Option<LonLat>>,
    ) {
        self.stats.ways += 1;
        let lookup = |k: &str| tags.iter().find(|(tk, _)| tk == k).map(|(_, v)| v.clone());
        if lookup("highway").is_none() {
            return;
        }
        self.stats.highway_ways += 1;
        match classify(&lookup) {
            Ok(class) => {
                let tags = tags
                    .into_iter()
                    .filter(|(k, _)| {
                        WANTED_TAGS.contains(&k.as_str()) || EXTRA_TAGS.contains(&k.as_str())
                    })
                    .collect();
                self.ways.push(RawWay {
                    id,
                    class,
                    tags,
                    refs,
                    locs,
                });
            }
            Err(reason) => *self.stats.excluded.entry(reason).or_insert(0) += 1,
        }
    }

    /// Node ids the kept ways need and cannot take from their own coordinates.
    fn needed(&self) -> HashMap<i64, Option<LonLat>> {
        let mut m = HashMap::new();
        for w in &self.ways {
            if w.locs.len() == w.refs.len() && w.locs.iter().all(Option::is_some) {
                continue;
            }
            for r in &w.refs {
                m.insert(*r, None);
            }
        }
        m
    }
}

/// Reads roads from an OSM file. `Err` only when the file cannot be read or decoded; data
/// gaps (missing nodes) are counted in the stats.
pub fn read_osm(path: &Path, bbox: Option<Bbox>) -> Result<(Vec<OsmRoad>, OsmStats), ImportError> {
    let (collector, coords) = match OsmFormat::detect(path)? {
        OsmFormat::Pbf => read_pbf(path)?,
        OsmFormat::Xml => read_xml(path)?,
        OsmFormat::OverpassJson => read_overpass(path)?,
    };
    Ok(build_roads(collector, &coords, bbox))
}

fn build_roads(
    collector: Collector,
    coords: &HashMap<i64, Option<LonLat>>,
    bbox: Option<Bbox>,
) -> (Vec<OsmRoad>, OsmStats) {
    let Collector {
        mut stats,
        mut ways,
    } = collector;
    ways.sort_by_key(|w| w.id);
    // A way listed twice (Overpass answers to unioned queries) is read once.
    ways.dedup_by_key(|w| w.id);
    let mut out = Vec::with_capacity(ways.len());
    let mut used = std::collections::HashSet::new();
    for w in ways {
        let mut pts = Vec::with_capacity(w.refs.len());
        let mut ids = Vec::with_capacity(w.refs.len());
        let mut missing = 0;
        for (k, r) in w.refs.iter().enumerate() {
            let p = w
                .locs
                .get(k)
                .copied()
                .flatten()
                .or_else(|| coords.get(r).copied().flatten());
            match p {
                Some(p) => {
                    pts.push(p);
                    ids.push(*r);
                }
                None => missing += 1,
            }
        }
        if missing > 0 {
            stats.missing_refs += missing;
            stats.ways_with_missing_refs += 1;
        }
        if pts.len() < 2 {
            stats.too_short += 1;
            continue;
        }
        if let Some(b) = bbox
            && !pts.iter().any(|p| b.contains(*p))
        {
            stats.outside_bbox += 1;
            continue;
        }
        let tag = |k: &str| w.tags.get(k).map(String::as_str);
        let yes = |k: &str| tag(k).is_some_and(|v| !matches!(v, "no" | "false" | "0"));
        let oneway = match tag("oneway") {
            Some("yes" | "true" | "1") => Oneway::Forward,
            Some("-1" | "reverse") => Oneway::Backward,
            Some(_) => Oneway::No,
            None if matches!(tag("junction"), Some("roundabout" | "circular")) => Oneway::Forward,
            None => Oneway::No,
        };
        let wheelchair = match tag("wheelchair") {
            Some("no") => Some(false),
            Some("yes" | "limited" | "designated") => Some(true),
            _ => None,
        };
        used.extend(ids.iter().copied());
        out.push(OsmRoad {
            road: Road {
                ext_id: w.id.to_string(),
                coords: pts,
                class: w.class,
                bridge: yes("bridge"),
                tunnel: yes("tunnel"),
                oneway,
                wheelchair,
                name: tag("name").unwrap_or_default().to_owned(),
            },
            osm_id: w.id,
            osm_highway: tag("highway").unwrap_or_default().to_owned(),
            node_ids: ids,
            extra: w
                .tags
                .iter()
                .filter(|(k, _)| EXTRA_TAGS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
    }
    stats.roads = out.len() as u64;
    stats.road_nodes = used.len() as u64;
    (out, stats)
}

// ---------------------------------------------------------------- PBF

fn pbf_err(path: &Path, e: osmpbf::Error) -> ImportError {
    ImportError::Pbf {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn read_pbf(path: &Path) -> Result<(Collector, HashMap<i64, Option<LonLat>>), ImportError> {
    use osmpbf::{Element, ElementReader};
    let mut c = Collector::default();
    // Pass 1: ways and relations.
    ElementReader::from_path(path)
        .map_err(|e| pbf_err(path, e))?
        .for_each(|el| match el {
            Element::Way(w) => {
                let tags = w
                    .tags()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                let refs: Vec<i64> = w.refs().collect();
                // LocationsOnWays: coordinates stored in the way; empty iterator otherwise.
                let locs: Vec<Option<LonLat>> = w
                    .node_locations()
                    .map(|l| Some(LonLat::new(l.lon(), l.lat())))
                    .collect();
                c.way(w.id(), tags, refs, locs);
            }
            Element::Relation(_) => c.stats.relations += 1,
            Element::Node(_) | Element::DenseNode(_) => {}
        })
        .map_err(|e| pbf_err(path, e))?;
    // Pass 2: coordinates of the nodes the kept ways use.
    let mut needed = c.needed();
    let (mut nodes, mut deleted) = (0u64, 0u64);
    ElementReader::from_path(path)
        .map_err(|e| pbf_err(path, e))?
        .for_each(|el| {
            let (id, visible, lon, lat) = match el {
                Element::Node(n) => (n.id(), n.info().visible(), n.lon(), n.lat()),
                Element::DenseNode(n) => (
                    n.id(),
                    n.info().is_none_or(|i| i.visible()),
                    n.lon(),
                    n.lat(),
                ),
                _ => return,
            };
            nodes += 1;
            if !visible {
                deleted += 1;
                return;
            }
            if let Some(slot) = needed.get_mut(&id) {
                *slot = Some(LonLat::new(lon, lat));
            }
        })
        .map_err(|e| pbf_err(path, e))?;
    c.stats.nodes = nodes;
    c.stats.deleted_nodes = deleted;
    Ok((c, needed))
}

// ---------------------------------------------------------------- XML

/// A way being read from XML: id, tags, node refs.
type PendingWay = (i64, Vec<(String, String)>, Vec<i64>);

/// Streams an OSM XML file. Pass 1 (`needed` = None) collects ways; pass 2 fills `needed`.
fn xml_pass(
    path: &Path,
    c: &mut Collector,
    mut needed: Option<&mut HashMap<i64, Option<LonLat>>>,
) -> Result<(), ImportError> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_file(path).map_err(|e| ImportError::Xml {
        path: path.to_path_buf(),
        position: 0,
        message: e.to_string(),
    })?;
    let xml_err = |reader: &quick_xml::Reader<_>, message: String| ImportError::Xml {
        path: path.to_path_buf(),
        position: reader.error_position(),
        message,
    };
    fn attrs(e: &BytesStart) -> Result<Vec<(Vec<u8>, String)>, String> {
        e.attributes()
            .map(|a| {
                let a = a.map_err(|e| e.to_string())?;
                let v = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
                Ok((a.key.as_ref().to_vec(), v))
            })
            .collect()
    }
    fn get<'a>(a: &'a [(Vec<u8>, String)], k: &[u8]) -> Option<&'a str> {
        a.iter().find(|(ak, _)| ak == k).map(|(_, v)| v.as_str())
    }
    let pass1 = needed.is_none();
    let mut buf = Vec::new();
    // The way being read: id, tags, refs.
    let mut way: Option<PendingWay> = None;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(&reader, e.to_string()))?;
        let (e, empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                if e.name().as_ref() == b"way"
                    && let Some((id, tags, refs)) = way.take()
                {
                    c.way(id, tags, refs, Vec::new());
                }
                buf.clear();
                continue;
            }
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        let name = e.name().as_ref().to_vec();
        match name.as_slice() {
            b"node" if !pass1 => {
                let a = attrs(e).map_err(|m| xml_err(&reader, m))?;
                let num = |k: &[u8]| get(&a, k).and_then(|v| v.parse::<f64>().ok());
                let id = get(&a, b"id").and_then(|v| v.parse::<i64>().ok());
                c.stats.nodes += 1;
                if get(&a, b"visible") == Some("false") {
                    c.stats.deleted_nodes += 1;
                } else if let (Some(id), Some(lon), Some(lat), Some(n)) =
                    (id, num(b"lon"), num(b"lat"), needed.as_deref_mut())
                    && let Some(slot) = n.get_mut(&id)
                {
                    *slot = Some(LonLat::new(lon, lat));
                }
            }
            b"way" if pass1 => {
                let a = attrs(e).map_err(|m| xml_err(&reader, m))?;
                let id = get(&a, b"id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .ok_or_else(|| xml_err(&reader, "a way without a numeric id".into()))?;
                if empty {
                    c.way(id, Vec::new(), Vec::new(), Vec::new());
                } else {
                    way = Some((id, Vec::new(), Vec::new()));
                }
            }
            b"nd" if pass1 => {
                if let Some((_, _, refs)) = way.as_mut() {
                    let a = attrs(e).map_err(|m| xml_err(&reader, m))?;
                    let r = get(&a, b"ref")
                        .and_then(|v| v.parse::<i64>().ok())
                        .ok_or_else(|| xml_err(&reader, "an nd without a numeric ref".into()))?;
                    refs.push(r);
                }
            }
            b"tag" if pass1 => {
                if let Some((_, tags, _)) = way.as_mut() {
                    let a = attrs(e).map_err(|m| xml_err(&reader, m))?;
                    if let (Some(k), Some(v)) = (get(&a, b"k"), get(&a, b"v")) {
                        tags.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
            b"relation" if pass1 => c.stats.relations += 1,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn read_xml(path: &Path) -> Result<(Collector, HashMap<i64, Option<LonLat>>), ImportError> {
    let mut c = Collector::default();
    xml_pass(path, &mut c, None)?;
    let mut needed = c.needed();
    xml_pass(path, &mut c, Some(&mut needed))?;
    Ok((c, needed))
}

// ---------------------------------------------------------------- Overpass JSON

#[derive(Deserialize)]
struct OverpassDoc {
    elements: Vec<OverpassElement>,
}

#[derive(Deserialize)]
struct OverpassElement {
    #[serde(rename = "type")]
    kind: String,
    id: i64,
    lat: Option<f64>,
    lon: Option<f64>,
    #[serde(default)]
    nodes: Vec<i64>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    /// `out geom`: one position per node, null where unknown.
    #[serde(default)]
    geometry: Vec<Option<OverpassPos>>,
}

#[derive(Deserialize, Clone, Copy)]
struct OverpassPos {
    lat: f64,
    lon: f64,
}

fn read_overpass(path: &Path) -> Result<(Collector, HashMap<i64, Option<LonLat>>), ImportError> {
    let bytes = super::read_input(path)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let doc: OverpassDoc = serde_json::from_slice(bytes).map_err(|e| {
        DataErrors::from(DataError::new(
            path,
            Location::LineCol(e.line() as u64, e.column() as u64),
            "elements",
            "",
            format!("an Overpass API JSON answer ({e})"),
        ))
    })?;
    let mut c = Collector::default();
    let mut all: HashMap<i64, Option<LonLat>> = HashMap::new();
    for el in doc.elements {
        match el.kind.as_str() {
            "node" => {
                c.stats.nodes += 1;
                if let (Some(lon), Some(lat)) = (el.lon, el.lat) {
                    all.insert(el.id, Some(LonLat::new(lon, lat)));
                }
            }
            "way" => {
                let locs = el
                    .geometry
                    .iter()
                    .map(|p| p.map(|p| LonLat::new(p.lon, p.lat)))
                    .collect();
                c.way(el.id, el.tags.into_iter().collect(), el.nodes, locs);
            }
            "relation" => c.stats.relations += 1,
            _ => {}
        }
    }
    Ok((c, all))
}

// ---------------------------------------------------------------- writing

fn round7(v: f64) -> f64 {
    crate::io::round_to(v, 7)
}

/// `roads.geojson` with the core properties of [`mapdir::roads_geojson`] plus the OSM ones
/// described in the module docs. One feature per line, like every map-folder layer.
pub fn osm_roads_geojson(roads: &[OsmRoad]) -> Vec<u8> {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, r) in roads.iter().enumerate() {
        let road = &r.road;
        let mut p = JsonMap::new();
        p.insert("highway".into(), json!(road.class.code()));
        if road.bridge {
            p.insert("bridge".into(), json!("yes"));
        }
        if road.tunnel {
            p.insert("tunnel".into(), json!("yes"));
        }
        if road.oneway != Oneway::No {
            p.insert("oneway".into(), json!(road.oneway.code()));
        }
        if let Some(w) = road.wheelchair {
            p.insert("wheelchair".into(), json!(if w { "yes" } else { "no" }));
        }
        if !road.name.is_empty() {
            p.insert("name".into(), json!(road.name));
        }
        p.insert("osm_id".into(), json!(r.osm_id));
        p.insert("osm_highway".into(), json!(r.osm_highway));
        p.insert("osm_nodes".into(), json!(r.node_ids));
        for (k, v) in &r.extra {
            p.insert(k.clone(), json!(v));
        }
        let coords: Vec<Value> = road
            .coords
            .iter()
            .map(|c| json!([round7(c.lon), round7(c.lat)]))
            .collect();
        let f = json!({
            "type": "Feature",
            "id": road.ext_id,
            "properties": p,
            "geometry": {"type": "LineString", "coordinates": coords},
        });
        if i > 0 {
            s.push_str(",\n");
        }
        s.push_str(&f.to_string());
    }
    s.push_str("\n]}\n");
    s.into_bytes()
}

/// Builds the import of `file` into `dir`: `roads.geojson` (replacing any existing one, since
/// a road network is imported whole) and the ODbL attribution in `map.toml`.
pub fn plan_osm(file: &Path, dir: &Path, bbox: Option<Bbox>) -> Result<Plan, ImportError> {
    let (roads, stats) = read_osm(file, bbox)?;
    let bytes = osm_roads_geojson(&roads);
    // Read our own output back through the map-folder validator: what we write must load.
    let out_path = dir.join(mapdir::ROADS);
    let text = std::str::from_utf8(&bytes).expect("serde_json writes UTF-8");
    let features = read_feature_collection(&out_path, text)?;
    let mut errs = DataErrors::default();
    let back = mapdir::roads_from(&out_path, &features, &mut errs);
    if !errs.is_empty() {
        return Err(errs.into());
    }
    debug_assert_eq!(back.len(), roads.len());
    let mut plan = Plan {
        dir: dir.to_path_buf(),
        ..Plan::default()
    };
    plan.count("nodes in file", stats.nodes);
    if stats.deleted_nodes > 0 {
        plan.count("deleted nodes (ignored)", stats.deleted_nodes);
    }
    plan.count("ways in file", stats.ways);
    plan.count("relations in file (not used)", stats.relations);
    plan.count("highway ways", stats.highway_ways);
    for (reason, n) in &stats.excluded {
        plan.count(format!("excluded ({reason})"), n);
    }
    if stats.missing_refs > 0 {
        plan.notes.push(format!(
            "{} node references in {} ways did not resolve and were skipped",
            stats.missing_refs, stats.ways_with_missing_refs
        ));
    }
    if stats.too_short > 0 {
        plan.notes.push(format!(
            "{} ways had fewer than two resolved nodes and were dropped",
            stats.too_short
        ));
    }
    if let Some(b) = bbox {
        plan.count(
            format!(
                "outside bbox {},{},{},{} (dropped)",
                b.west, b.south, b.east, b.north
            ),
            stats.outside_bbox,
        );
    }
    plan.count("roads written", stats.roads);
    plan.count("nodes used by roads", stats.road_nodes);
    plan.files.push((mapdir::ROADS.into(), bytes));
    plan.files.push(meta_with_source(
        dir,
        DataSource {
            name: "OpenStreetMap".into(),
            attribution: "© OpenStreetMap contributors".into(),
            licence: "ODbL 1.0".into(),
            url: "https://www.openstreetmap.org/copyright".into(),
        },
    )?);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| v.iter().find(|(tk, _)| tk == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn filter_keeps_usable_ways_and_names_the_reason_for_others() {
        assert_eq!(
            classify(&tags(&[("highway", "residential")])),
            Ok(RoadClass::Residential)
        );
        assert_eq!(
            classify(&tags(&[("highway", "construction")])),
            Err("highway=construction".into())
        );
        assert_eq!(
            classify(&tags(&[("highway", "service"), ("access", "private")])),
            Err("access=private".into())
        );
        assert_eq!(
            classify(&tags(&[
                ("highway", "service"),
                ("access", "no"),
                ("foot", "yes")
            ])),
            Ok(RoadClass::Service)
        );
        assert!(classify(&tags(&[("highway", "via_ferrata")])).is_err());
    }

    #[test]
    fn trunk_roads_are_walkable_unless_tagged_otherwise() {
        // Regression: trunk and trunk_link were imported as motorways, closing national routes
        // (with pavements) to people on foot.
        for highway in ["trunk", "trunk_link"] {
            let class = classify(&tags(&[("highway", highway)])).unwrap();
            assert_eq!(class, RoadClass::Primary, "{highway}");
            assert!(class.walkable() && class.drivable());
            for (k, v) in [
                ("foot", "no"),
                ("sidewalk", "no"),
                ("sidewalk", "none"),
                ("sidewalk:both", "no"),
            ] {
                let class = classify(&tags(&[("highway", highway), (k, v)])).unwrap();
                assert_eq!(class, RoadClass::Motorway, "{highway} {k}={v}");
                assert!(!class.walkable() && class.drivable());
            }
            for (k, v) in [("foot", "yes"), ("sidewalk", "both"), ("sidewalk", "left")] {
                assert_eq!(
                    classify(&tags(&[("highway", highway), (k, v)])),
                    Ok(RoadClass::Primary),
                    "{highway} {k}={v}"
                );
            }
        }
        for highway in ["motorway", "motorway_link"] {
            let class = classify(&tags(&[("highway", highway), ("foot", "yes")])).unwrap();
            assert!(!class.walkable(), "{highway}");
        }
        // foot=no closes any drivable road to walkers; sidewalk=no on a residential street
        // does not (people walk on the carriageway).
        assert_eq!(
            classify(&tags(&[("highway", "residential"), ("foot", "no")])),
            Ok(RoadClass::Motorway)
        );
        assert_eq!(
            classify(&tags(&[("highway", "residential"), ("sidewalk", "no")])),
            Ok(RoadClass::Residential)
        );
        // Through the importer: the class says who may walk, `osm_highway` keeps the original.
        let mut c = Collector::default();
        let t = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        c.way(1, t(&[("highway", "trunk")]), vec![1, 2], vec![]);
        c.way(
            2,
            t(&[("highway", "trunk"), ("foot", "no")]),
            vec![2, 3],
            vec![],
        );
        let mut coords = HashMap::new();
        for (id, x) in [(1, 0.0), (2, 0.001), (3, 0.002)] {
            coords.insert(id, Some(LonLat::new(x, 0.0)));
        }
        let (roads, _) = build_roads(c, &coords, None);
        let classes: Vec<_> = roads
            .iter()
            .map(|r| (r.road.class, r.osm_highway.as_str()))
            .collect();
        assert_eq!(
            classes,
            [
                (RoadClass::Primary, "trunk"),
                (RoadClass::Motorway, "trunk")
            ]
        );
        // A trunk written straight into a map file (our class codes or OSM values) is walkable.
        assert_eq!(RoadClass::parse("trunk"), Some(RoadClass::Primary));
        assert_eq!(road_class("trunk_link"), Some(RoadClass::Primary));
    }

    #[test]
    fn roundabouts_are_oneway_and_missing_nodes_are_skipped() {
        let mut c = Collector::default();
        let t = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        c.way(
            2,
            t(&[("highway", "primary"), ("junction", "roundabout")]),
            vec![1, 2, 3],
            vec![],
        );
        c.way(1, t(&[("highway", "footway")]), vec![1, 99], vec![]);
        let mut coords = HashMap::new();
        for (id, x) in [(1, 0.0), (2, 0.001), (3, 0.002)] {
            coords.insert(id, Some(LonLat::new(x, 0.0)));
        }
        let (roads, stats) = build_roads(c, &coords, None);
        assert_eq!(roads.len(), 1);
        assert_eq!(roads[0].road.oneway, Oneway::Forward);
        assert_eq!(stats.missing_refs, 1);
        assert_eq!(stats.too_short, 1);
    }

    #[test]
    fn bbox_keeps_whole_ways_with_a_node_inside() {
        let b = Bbox::parse("0,0,1,1").unwrap();
        let mut c = Collector::default();
        c.way(
            1,
            vec![("highway".into(), "path".into())],
            vec![1, 2],
            vec![],
        );
        let mut coords = HashMap::new();
        coords.insert(1, Some(LonLat::new(0.5, 0.5)));
        coords.insert(2, Some(LonLat::new(5.0, 5.0)));
        let (roads, _) = build_roads(c, &coords, Some(b));
        assert_eq!(roads[0].road.coords.len(), 2);
        assert!(Bbox::parse("1,0,0,1").is_none());
    }
}
