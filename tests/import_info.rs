//! The command line end to end on real OpenStreetMap extracts: `import osm` into an empty
//! folder, then `info --json` reports a road graph whose counts agree with the imported ways.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn mimamori(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mimamori {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Imports `file` and checks `info` against the distinct OSM nodes and segments of the roads.
fn check(file: &str, min_roads: usize) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/osm")
        .join(file);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("map");
    mimamori(&[
        "import",
        "osm",
        data.to_str().unwrap(),
        "--into",
        dir.to_str().unwrap(),
    ]);
    let roads: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("roads.geojson")).unwrap()).unwrap();
    let features = roads["features"].as_array().unwrap();
    assert!(
        features.len() >= min_roads,
        "{file}: only {} roads",
        features.len()
    );
    let mut nodes = BTreeSet::new();
    let mut segments = BTreeSet::new();
    for f in features {
        let ids: Vec<i64> = f["properties"]["osm_nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        nodes.extend(ids.iter().copied());
        for w in ids.windows(2) {
            segments.insert((w[0].min(w[1]), w[0].max(w[1])));
        }
    }
    let info: Value =
        serde_json::from_str(&mimamori(&["info", dir.to_str().unwrap(), "--json"])).unwrap();
    let n = info["road_nodes"].as_u64().unwrap() as usize;
    let e = info["road_edges"].as_u64().unwrap() as usize;
    let c = info["components"].as_u64().unwrap() as usize;
    let largest = info["largest_component_nodes"].as_u64().unwrap() as usize;
    // Nodes merge only within 0.5 m, so nearly every OSM node stays a node of its own.
    assert!(
        n <= nodes.len() && n * 100 >= nodes.len() * 98,
        "{file}: {n} graph nodes for {} OSM nodes",
        nodes.len()
    );
    // Every distinct segment is one edge, bar zero-length ones and parallel duplicates.
    assert!(
        e <= segments.len() + features.len() && e * 100 >= segments.len() * 97,
        "{file}: {e} edges for {} segments",
        segments.len()
    );
    // A forest has n - c edges; a street network has many cycles.
    assert!(e > n - c, "{file}: no cycles?");
    assert!(
        largest * 10 >= n * 9,
        "{file}: the largest component has only {largest} of {n} nodes"
    );
}

#[test]
fn osaka_abeno_overpass_json_imports_and_info_counts_the_graph() {
    check("osaka-abeno/osaka-abeno_overpass_2025-06-16.json", 5000);
}

#[test]
fn liechtenstein_pbf_imports_and_info_counts_the_graph() {
    // The 2013 extract: 2,753 highway ways (tests/data/README.md).
    check("liechtenstein/liechtenstein-2013-08-03.osm.pbf", 2500);
}

#[test]
fn generate_takes_real_gsi_shelters_with_their_attribution() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/shelters");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("city");
    mimamori(&[
        "generate",
        "--preset",
        "sample-district",
        "--out",
        dir.to_str().unwrap(),
        "--shelters",
        data.join("gsi_emergency_evacuation_sites_012041.csv")
            .to_str()
            .unwrap(),
        "--shelters",
        data.join("gsi_designated_shelters_012041.geojson")
            .to_str()
            .unwrap(),
    ]);
    let info: Value =
        serde_json::from_str(&mimamori(&["info", dir.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(info["shelters"], 79 + 212);
    assert_eq!(info["shelters_by_kind"]["evacuation_site"], 79);
    let toml = std::fs::read_to_string(dir.join("map.toml")).unwrap();
    assert!(toml.contains("出典：国土地理院"), "{toml}");
}
