//! Issue 10: no panic on any input. Every reader gets seeded random and mutated bytes (flipped
//! bytes, truncations, inserted quotes, commas, line breaks, invalid encoding bytes, other
//! encodings) built from valid files, and must answer `Ok` or `Err`, never panic. Bounded to a
//! few hundred cases per reader so the suite stays fast in debug builds.

use mimamori::io::import::hazards::{HazardOptions, read_hazards};
use mimamori::io::import::osm::{Bbox, read_osm};
use mimamori::io::import::shelters::{ShelterFormat, read_shelters};
use mimamori::io::mapdir::{self, load_map_at};
use mimamori::io::plan_out::read_scenario;
use mimamori::rng::Rng;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use time::macros::date;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Byte strings that break parsers: CSV and JSON syntax, line endings, invalid UTF-8 and
/// Shift_JIS lead bytes, a UTF-16 BOM, NUL, huge numbers.
const NASTY: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"\xFF",
    b"\x81",
    b"\xE3\x81",
    b"\xFF\xFE",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"<",
    b">",
    b"&#0;",
    b"1e308",
    b"-9999999999999999999999",
    b"NaN",
    b"=",
    b"[[",
    b"\xEF\xBB\xBF",
];

/// One to four random edits of `bytes`.
fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(at),
            2 | 3 => {
                let s = NASTY[rng.below(NASTY.len())];
                b.splice(at..at, s.iter().copied());
            }
            4 => {
                let end = (at + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            _ => {
                // Duplicate a slice (repeated records, repeated keys).
                let end = (at + rng.below(200)).min(b.len());
                let piece = b[at..end].to_vec();
                b.splice(at..at, piece);
            }
        }
    }
    b
}

/// Random bytes, or random printable text with the nasty strings mixed in.
fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(400);
    if rng.chance(0.5) {
        (0..n).map(|_| rng.below(256) as u8).collect()
    } else {
        let mut b = Vec::new();
        while b.len() < n {
            if rng.chance(0.2) {
                b.extend_from_slice(NASTY[rng.below(NASTY.len())]);
            } else {
                const ALPHABET: &[u8] = b" abcAZ09.-_;,\n\"'{}[]:";
                b.push(ALPHABET[rng.below(ALPHABET.len())]);
            }
        }
        b
    }
}

/// Runs `f` and fails the test (naming the reader and case) if it panics.
fn no_panic<R>(what: &str, case: usize, f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{what}: case {case} panicked: {msg}")
        }
    }
}

/// A copy of `maps/sample-district`.
fn sample() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("map");
    fs::create_dir(&dir).unwrap();
    for e in fs::read_dir(root().join("maps/sample-district")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    (tmp, dir)
}

/// The variants of a text file a user may hand in: UTF-8, UTF-8 with BOM, Shift_JIS,
/// UTF-16LE with BOM, CRLF.
fn encodings(text: &str) -> Vec<Vec<u8>> {
    let sjis = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    vec![
        text.as_bytes().to_vec(),
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        sjis,
        utf16,
        text.replace('\n', "\r\n").into_bytes(),
    ]
}

/// Mutates one file of a map folder at a time and loads the whole folder.
#[test]
fn map_folder_files_never_panic() {
    let (_t, dir) = sample();
    let today = date!(2026 - 12 - 01);
    let mut rng = Rng::new(100);
    let files = [
        (mapdir::PEOPLE, 120),
        (mapdir::VOLUNTEERS, 80),
        (mapdir::WATCH_RECORDS, 40),
        (mapdir::MAP_TOML, 120),
        (mapdir::DISTRICTS, 60),
        (mapdir::SHELTERS, 60),
        (mapdir::HAZARDS, 40),
        (mapdir::ROADS, 20),
    ];
    let mut refused = 0;
    for (name, cases) in files {
        let path = dir.join(name);
        let original = fs::read(&path).unwrap();
        let text = String::from_utf8(original.clone()).unwrap();
        let variants = encodings(&text);
        for case in 0..cases {
            let base = &variants[case % variants.len()];
            let bytes = if case % 10 == 9 {
                random_bytes(&mut rng)
            } else {
                mutate(&mut rng, base)
            };
            fs::write(&path, &bytes).unwrap();
            let r = no_panic(name, case, || load_map_at(&dir, None, today));
            if let Err(e) = r {
                refused += 1;
                // Every refusal has a message and at least one located problem.
                assert!(!e.errors.is_empty() && e.count() >= e.errors.len());
                assert!(!e.to_string().is_empty());
            }
        }
        fs::write(&path, &original).unwrap();
    }
    // The mutations are strong enough to be refused most of the time.
    assert!(refused > 300, "only {refused} refusals");
    load_map_at(&dir, None, today).unwrap();
}

#[test]
fn scenario_files_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("s.toml");
    let mut rng = Rng::new(101);
    let mut sources = Vec::new();
    for e in fs::read_dir(root().join("scenarios")).unwrap() {
        sources.push(fs::read(e.unwrap().path()).unwrap());
    }
    sources.push(b"closed_areas = [[[142.3, 43.7], [142.4, 43.7], [142.4, 43.8], [142.3, 43.7]]]\nclosed_roads = [\"R1\"]\nunavailable_share = 0.5\n".to_vec());
    for case in 0..300 {
        let bytes = if case % 10 == 9 {
            random_bytes(&mut rng)
        } else {
            mutate(&mut rng, &sources[case % sources.len()])
        };
        fs::write(&f, &bytes).unwrap();
        if let Ok(s) = no_panic("scenario", case, || read_scenario(&f)) {
            // Whatever was accepted is valid.
            assert!(s.validate().is_ok());
        }
    }
}

const OSM_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <bounds minlat="43.7" minlon="142.3" maxlat="43.8" maxlon="142.4"/>
  <node id="1" lat="43.70" lon="142.30" version="1"/>
  <node id="2" lat="43.71" lon="142.31" version="1"/>
  <node id="3" lat="43.72" lon="142.31" version="1" visible="false"/>
  <node id="4" lat="43.73" lon="142.32"><tag k="highway" v="crossing"/></node>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="4"/>
    <tag k="highway" v="residential"/><tag k="name" v="一条通 &amp; 二条"/><tag k="oneway" v="yes"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="99"/><tag k="highway" v="footway"/></way>
  <relation id="20"><member type="way" ref="10" role=""/><tag k="type" v="route"/></relation>
</osm>
"#;

const OVERPASS: &str = r#"{"version":0.6,"elements":[
{"type":"node","id":1,"lat":43.70,"lon":142.30},
{"type":"node","id":2,"lat":43.71,"lon":142.31},
{"type":"way","id":10,"nodes":[1,2],"tags":{"highway":"residential","name":"通り"}},
{"type":"way","id":11,"nodes":[2,1],"geometry":[{"lat":43.71,"lon":142.31},null],"tags":{"highway":"service"}}
]}"#;

fn bbox() -> Bbox {
    Bbox {
        west: 142.0,
        south: 43.0,
        east: 143.0,
        north: 44.0,
    }
}

#[test]
fn osm_xml_and_overpass_readers_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(102);
    for (name, text) in [("x.osm", OSM_XML), ("x.json", OVERPASS)] {
        let f = tmp.path().join(name);
        fs::write(&f, text).unwrap();
        let (roads, _) = read_osm(&f, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!roads.is_empty(), "{name}: the valid input yields roads");
        for case in 0..200 {
            let bytes = if case % 10 == 9 {
                random_bytes(&mut rng)
            } else {
                mutate(&mut rng, text.as_bytes())
            };
            fs::write(&f, &bytes).unwrap();
            let b = (case % 2 == 0).then(bbox);
            let _ = no_panic(name, case, || read_osm(&f, b));
        }
    }
}

// ---------------------------------------------------------------- a tiny PBF, written here

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

fn field_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed(values: impl IntoIterator<Item = u64>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        varint(&mut out, v);
    }
    out
}

/// One file block: BlobHeader length, BlobHeader, Blob with the raw (uncompressed) message.
fn file_block(out: &mut Vec<u8>, kind: &str, message: &[u8]) {
    let mut blob = Vec::new();
    field_bytes(&mut blob, 1, message);
    let mut header = Vec::new();
    field_bytes(&mut header, 1, kind.as_bytes());
    field_varint(&mut header, 3, blob.len() as u64);
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&blob);
}

/// An OSM PBF with three nodes and one residential way, following the OSM PBF format
/// (fileformat.proto, osmformat.proto); raw blobs, granularity 100 nanodegrees.
fn tiny_pbf() -> Vec<u8> {
    let mut header_block = Vec::new();
    field_bytes(&mut header_block, 4, b"OsmSchema-V0.6");
    let mut strings = Vec::new();
    for s in ["", "highway", "residential", "name", "通り"] {
        field_bytes(&mut strings, 1, s.as_bytes());
    }
    let mut group_nodes = Vec::new();
    for (id, lat, lon) in [
        (1i64, 43.70, 142.30),
        (2, 43.71, 142.31),
        (3, 43.72, 142.32),
    ] {
        let mut node = Vec::new();
        field_varint(&mut node, 1, zigzag(id));
        field_varint(&mut node, 8, zigzag((lat * 1e7f64).round() as i64));
        field_varint(&mut node, 9, zigzag((lon * 1e7f64).round() as i64));
        field_bytes(&mut group_nodes, 1, &node);
    }
    let mut way = Vec::new();
    field_varint(&mut way, 1, 10);
    field_bytes(&mut way, 2, &packed([1, 3]));
    field_bytes(&mut way, 3, &packed([2, 4]));
    field_bytes(&mut way, 8, &packed([zigzag(1), zigzag(1), zigzag(1)]));
    let mut group_ways = Vec::new();
    field_bytes(&mut group_ways, 3, &way);
    let mut block = Vec::new();
    field_bytes(&mut block, 1, &strings);
    field_bytes(&mut block, 2, &group_nodes);
    field_bytes(&mut block, 2, &group_ways);
    let mut out = Vec::new();
    file_block(&mut out, "OSMHeader", &header_block);
    file_block(&mut out, "OSMData", &block);
    out
}

#[test]
fn osm_pbf_reader_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.osm.pbf");
    let valid = tiny_pbf();
    fs::write(&f, &valid).unwrap();
    let (roads, stats) = read_osm(&f, None).unwrap_or_else(|e| panic!("tiny pbf: {e}"));
    assert_eq!(roads.len(), 1, "{stats:?}");
    let mut rng = Rng::new(103);
    for case in 0..300 {
        let bytes = if case % 10 == 9 {
            random_bytes(&mut rng)
        } else {
            mutate(&mut rng, &valid)
        };
        fs::write(&f, &bytes).unwrap();
        let b = (case % 2 == 0).then(bbox);
        let _ = no_panic("pbf", case, || read_osm(&f, b));
    }
}

const GSI_CSV: &str = "共通ID,施設・場所名,住所,洪水,崖崩れ、土石流及び地滑り,高潮,地震,津波,大規模な火事,内水氾濫,火山現象,指定避難所との住所同一,緯度,経度,備考\n\
012041-001,旭川小学校,旭川市1条,1,,1,1,,1,,,,43.77,142.36,\n\
012041-002,\"公園, 広場\",旭川市2条,,1,,1,,,,,,43.78,142.37,\n";

const HAZARD_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","id":"Z1","properties":{"A31a_205":2},"geometry":{"type":"Polygon","coordinates":[[[142.3,43.7],[142.4,43.7],[142.4,43.8],[142.3,43.7]]]}},
{"type":"Feature","properties":{"A31a_205":"5"},"geometry":{"type":"MultiPolygon","coordinates":[[[[142.3,43.7],[142.4,43.7],[142.4,43.8],[142.3,43.7]]]]}}
]}"#;

#[test]
fn shelter_and_hazard_importers_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(104);
    let shelters = tmp.path().join("s.csv");
    let mut variants = encodings(GSI_CSV);
    variants.push(fs::read(root().join("maps/sample-district/shelters.geojson")).unwrap());
    for case in 0..200 {
        let bytes = if case % 10 == 9 {
            random_bytes(&mut rng)
        } else {
            mutate(&mut rng, &variants[case % variants.len()])
        };
        fs::write(&shelters, &bytes).unwrap();
        let _ = no_panic("shelters", case, || {
            read_shelters(&shelters, ShelterFormat::Gsi, None)
        });
    }
    let hazards = tmp.path().join("A31a.geojson");
    for case in 0..200 {
        let bytes = if case % 10 == 9 {
            random_bytes(&mut rng)
        } else {
            mutate(&mut rng, HAZARD_GEOJSON.as_bytes())
        };
        fs::write(&hazards, &bytes).unwrap();
        let _ = no_panic("hazards", case, || {
            read_hazards(&hazards, &HazardOptions::ksj_a31())
        });
    }
}
