//! OSM road import over the real files in `tests/data/osm` (Monaco, Osaka Abeno, Liechtenstein)
//! and the osmpbf encoding fixtures.

use mimamori::io::import::osm::{Bbox, OsmRoad, plan_osm, read_osm};
use mimamori::io::mapdir;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/osm")).join(rel)
}

/// Asserts two road lists are the same roads: ids, classes, tags and coordinates within 1e-7°.
fn assert_same_roads(a: &[OsmRoad], b: &[OsmRoad]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        let (rx, ry) = (&x.road, &y.road);
        assert_eq!(rx.ext_id, ry.ext_id);
        assert_eq!(
            (
                rx.class,
                rx.bridge,
                rx.tunnel,
                rx.oneway,
                rx.wheelchair,
                &rx.name
            ),
            (
                ry.class,
                ry.bridge,
                ry.tunnel,
                ry.oneway,
                ry.wheelchair,
                &ry.name
            ),
            "way {}",
            rx.ext_id
        );
        assert_eq!(x.node_ids, y.node_ids, "way {}", rx.ext_id);
        assert_eq!(x.extra, y.extra);
        for (p, q) in rx.coords.iter().zip(&ry.coords) {
            assert!(
                (p.lon - q.lon).abs() <= 1e-7 && (p.lat - q.lat).abs() <= 1e-7,
                "way {}: {p:?} vs {q:?}",
                rx.ext_id
            );
        }
    }
}

#[test]
fn monaco_pbf_and_xml_give_identical_roads() {
    let (pbf, s1) = read_osm(&data("monaco/monaco-latest-2020-02-25.osm.pbf"), None).unwrap();
    let (xml, s2) = read_osm(&data("monaco/monaco-latest-2020-02-25.osm"), None).unwrap();
    assert_same_roads(&pbf, &xml);
    assert_eq!(s1, s2);
    // README: 47,757 nodes, 3,824 ways (1,951 with highway), 214 relations.
    assert_eq!((s1.nodes, s1.ways, s1.relations), (47_757, 3_824, 214));
    assert_eq!(s1.highway_ways, 1_951);
    // construction 5 and proposed 1 are excluded by the documented filter.
    assert_eq!(s1.excluded.get("highway=construction"), Some(&5));
    assert_eq!(s1.excluded.get("highway=proposed"), Some(&1));
    let excluded: u64 = s1.excluded.values().sum();
    assert_eq!(s1.roads + excluded + s1.too_short, 1_951);
    // Deterministic order: sorted by way id.
    assert!(pbf.windows(2).all(|w| w[0].osm_id < w[1].osm_id));
}

#[test]
fn osaka_overpass_json_and_pbf_give_the_same_roads() {
    // The XML copy is not carried (size): Monaco checks XML against PBF.
    let dir = "osaka-abeno/";
    let (json, sj) = read_osm(
        &data(&format!("{dir}osaka-abeno_overpass_2025-06-16.json")),
        None,
    )
    .unwrap();
    let (pbf, sp) = read_osm(&data(&format!("{dir}osaka-abeno_2025-06-16.osm.pbf")), None).unwrap();
    assert_same_roads(&json, &pbf);
    // README: 15,228 nodes, 5,186 ways all highway, every node reference resolves.
    assert_eq!((sj.nodes, sj.ways, sj.highway_ways), (15_228, 5_186, 5_186));
    assert_eq!((sp.nodes, sp.ways), (15_228, 5_186));
    assert_eq!(sj.missing_refs, 0);
    let excluded: u64 = sj.excluded.values().sum();
    assert_eq!(sj.roads + excluded, 5_186);
    // Japanese names survive, including the `;`-joined ones.
    assert!(json.iter().any(|r| r.road.name == "あびこ筋;大阪高石線"));
}

#[test]
fn osmpbf_fixtures_read_in_every_encoding() {
    let fx = |f: &str| data(&format!("osmpbf-fixtures/{f}"));
    for f in [
        "test.osm.pbf",
        "test_nozlib.osm.pbf",
        "test_nozlib_nodense.osm.pbf",
        "test.osm",
    ] {
        let (roads, s) = read_osm(&fx(f), None).unwrap_or_else(|e| panic!("{f}: {e}"));
        // 3 nodes, 1 way (a building, not a highway), 1 relation.
        assert_eq!(
            (s.nodes, s.ways, s.relations, s.highway_ways),
            (3, 1, 1, 0),
            "{f}"
        );
        assert!(roads.is_empty());
    }
    let (_, s) = read_osm(&fx("loc_on_ways.osm.pbf"), None).unwrap();
    assert_eq!((s.nodes, s.ways, s.relations), (0, 1, 1));
    let (_, s) = read_osm(&fx("deleted_nodes.osh.pbf"), None).unwrap();
    assert_eq!((s.nodes, s.deleted_nodes), (2, 1));
}

#[test]
fn bbox_keeps_whole_ways_that_touch_it() {
    let f = data("monaco/monaco-latest-2020-02-25.osm.pbf");
    let (all, _) = read_osm(&f, None).unwrap();
    let b = Bbox::parse("7.42,43.73,7.43,43.74").unwrap();
    let (inside, s) = read_osm(&f, Some(b)).unwrap();
    assert!(!inside.is_empty() && inside.len() < all.len());
    assert_eq!(inside.len() as u64 + s.outside_bbox, all.len() as u64);
    assert!(
        inside
            .iter()
            .all(|r| r.road.coords.iter().any(|p| b.contains(*p)))
    );
    // Whole ways: at least one road reaches outside the box.
    assert!(
        inside
            .iter()
            .any(|r| r.road.coords.iter().any(|p| !b.contains(*p)))
    );
}

#[test]
fn imported_roads_load_back_through_the_map_folder_reader() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_osm(
        &data("monaco/monaco-latest-2020-02-25.osm.pbf"),
        dir.path(),
        None,
    )
    .unwrap();
    plan.write().unwrap();
    let text = std::fs::read_to_string(dir.path().join(mapdir::ROADS)).unwrap();
    let fs = mimamori::io::geojson_in::read_feature_collection(Path::new("roads.geojson"), &text)
        .unwrap();
    let mut errs = Default::default();
    let roads = mapdir::roads_from(Path::new("roads.geojson"), &fs, &mut errs);
    assert!(errs.is_empty());
    let (direct, _) = read_osm(&data("monaco/monaco-latest-2020-02-25.osm.pbf"), None).unwrap();
    assert_eq!(roads.len(), direct.len());
    assert!(fs[0].properties.contains_key("osm_nodes"));
    let meta = mapdir::read_meta(&dir.path().join(mapdir::MAP_TOML)).unwrap();
    assert!(meta.sources.iter().any(|s| s.licence == "ODbL 1.0"));
}

/// The 2013 extract with full metadata (65,733 nodes). The 2024 extract (318,592 nodes,
/// 2.9 MB) is not carried in the repository; see tests/data/README.md.
#[test]
fn liechtenstein_2013_imports() {
    let (roads, s) = read_osm(
        &data("liechtenstein/liechtenstein-2013-08-03.osm.pbf"),
        None,
    )
    .unwrap();
    // Counted independently from the .osm.bz2 copy with Python (tests/data/README.md).
    assert_eq!((s.nodes, s.ways, s.relations), (65_733, 7_121, 113));
    assert_eq!(s.highway_ways, 2_753);
    let excluded: u64 = s.excluded.values().sum();
    assert_eq!(s.roads + excluded + s.too_short, 2_753);
    // The filter removes private and construction ways: a minority, not more.
    assert!(s.roads * 10 > 2_753 * 8, "{s:?}");
    // Highway ways use 28,223 distinct nodes; the kept ones somewhat fewer.
    assert!((20_000..=28_223).contains(&s.road_nodes), "{s:?}");
    assert_eq!(roads.len() as u64, s.roads);
}

#[test]
fn cli_dry_run_prints_counts_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(["import", "osm", "--dry-run", "--into"])
        .arg(dir.path())
        .arg(data("osaka-abeno/osaka-abeno_2025-06-16.osm.pbf"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("highway ways: 5186") && stdout.contains("nothing written"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A bad bbox is refused before anything is read.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(["import", "osm", "x.pbf", "--bbox", "3,2,1,0", "--into"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--bbox"));
}
