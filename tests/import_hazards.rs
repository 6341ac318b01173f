//! Hazard polygon import: real Tokyo and PLATEAU Numazu layers, and an A31a-shaped file made
//! here (no real A31 file is available, see tests/data/README.md).

use mimamori::io::import::hazards::{HazardOptions, plan_hazards, read_hazards};
use mimamori::io::mapdir;
use mimamori::model::HazardKind;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hazards")).join(rel)
}

/// A31a-shaped FeatureCollection: one square per rank, JGD2011 crs member like KSJ GeoJSON.
fn a31_file(dir: &Path, ranks: &[&str]) -> PathBuf {
    let features: Vec<String> = ranks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let x = 142.3 + i as f64 * 0.01;
            format!(
                r#"{{"type":"Feature","properties":{{"A31a_201":"石狩川","A31a_205":{r}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},43.7],[{x2},43.7],[{x2},43.71],[{x},43.71],[{x},43.7]]]}}}}"#,
                x2 = x + 0.005
            )
        })
        .collect();
    let text = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::6668"}}}},"features":[{}]}}"#,
        features.join(",")
    );
    let p = dir.join("A31a-20-23_012041.geojson");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a31_ranks_map_to_depth_bands() {
    let dir = tempfile::tempdir().unwrap();
    let f = a31_file(dir.path(), &["1", "2", "3", "4", "5", "6", "\"３\""]);
    let zones = read_hazards(&f, &HazardOptions::ksj_a31()).unwrap();
    let ranks: Vec<u8> = zones.iter().map(|z| z.depth_rank.unwrap().get()).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5, 6, 3]);
    assert!(zones.iter().all(|z| z.kind == HazardKind::RiverFlood));
    assert_eq!(zones[1].depth_rank.unwrap().min_m(), 0.5);
    assert_eq!(zones[1].depth_rank.unwrap().max_m(), 3.0);
    assert_eq!(zones[0].ext_id, "A31a-20-23_012041:#0");
    // Written and read back through the map folder.
    let out = tempfile::tempdir().unwrap();
    plan_hazards(&f, out.path(), &HazardOptions::ksj_a31())
        .unwrap()
        .write()
        .unwrap();
    let text = std::fs::read_to_string(out.path().join(mapdir::HAZARDS)).unwrap();
    let fs = mimamori::io::geojson_in::read_feature_collection(Path::new("h"), &text).unwrap();
    let mut errs = Default::default();
    assert_eq!(
        mapdir::hazards_from(Path::new("h"), &fs, &mut errs).len(),
        7
    );
    assert!(errs.is_empty());
}

#[test]
fn a31_bad_rank_is_refused_with_its_feature_index() {
    let dir = tempfile::tempdir().unwrap();
    let f = a31_file(dir.path(), &["1", "2", "7"]);
    let out = tempfile::tempdir().unwrap();
    let e = plan_hazards(&f, out.path(), &HazardOptions::ksj_a31())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(": feature no. 3 (counting from 1): field `A31a_205`: found \"7\""),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn projected_crs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plane.geojson");
    std::fs::write(&p, r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6680"}},"features":[]}"#).unwrap();
    let e = read_hazards(&p, &HazardOptions::geojson(HazardKind::Landslide)).unwrap_err();
    assert!(e.to_string().contains("EPSG::6680"), "{e}");
}

#[test]
fn gsi_noto_slope_failure_layers_import_and_reimport_replaces() {
    let out = tempfile::tempdir().unwrap();
    let opts = HazardOptions {
        source: Some("国土地理院 令和6年能登半島地震 斜面崩壊・堆積分布".into()),
        ..HazardOptions::geojson(HazardKind::Landslide)
    };
    let dir = "gsi-noto-2024/slope-failure";
    // Feature counts from tests/data/README.md (counted with GDAL, not with this crate).
    for (f, n) in [
        ("hokai_all_20240118_nanao.geojson", 75),
        ("hokai_all_20240118_anamizu.geojson", 162),
    ] {
        let zones = read_hazards(&data(&format!("{dir}/{f}")), &opts).unwrap();
        assert_eq!(zones.len(), n, "{f}");
        plan_hazards(&data(&format!("{dir}/{f}")), out.path(), &opts)
            .unwrap()
            .write()
            .unwrap();
    }
    let text = std::fs::read_to_string(out.path().join(mapdir::HAZARDS)).unwrap();
    let fs = mimamori::io::geojson_in::read_feature_collection(Path::new("h"), &text).unwrap();
    assert_eq!(fs.len(), 75 + 162);
    // Importing a file again replaces its zones.
    plan_hazards(
        &data(&format!("{dir}/hokai_all_20240118_nanao.geojson")),
        out.path(),
        &opts,
    )
    .unwrap()
    .write()
    .unwrap();
    let again = std::fs::read_to_string(out.path().join(mapdir::HAZARDS)).unwrap();
    let fs = mimamori::io::geojson_in::read_feature_collection(Path::new("h"), &again).unwrap();
    assert_eq!(fs.len(), 75 + 162);
}

#[test]
fn plateau_numazu_landslide_imports_with_heights_dropped() {
    let opts = HazardOptions {
        id_property: Some("gml_id".into()),
        ..HazardOptions::geojson(HazardKind::Landslide)
    };
    let zones = read_hazards(&data("plateau-numazu/523857_lsld_6668_op.geojson"), &opts).unwrap();
    assert_eq!(zones.len(), 81);
    assert!(zones.iter().all(|z| z.geometry.0.len() == 1));
}

#[test]
fn noto_layers_with_crs_and_foreign_members_are_accepted() {
    // EPSG:6668 crs member, GDAL's xy_coordinate_resolution foreign member.
    let zones = read_hazards(
        &data("gsi-noto-2024/slope-failure/hokai_all_20240118_nanao.geojson"),
        &HazardOptions::geojson(HazardKind::Landslide),
    )
    .unwrap();
    assert_eq!(zones.len(), 75);
}

#[test]
fn flood_kind_without_depth_property_is_an_option_error() {
    let e = read_hazards(
        &data("gsi-noto-2024/tsunami-inundation/shinsui-tsunami-area_nanao_20240118.geojson"),
        &HazardOptions::geojson(HazardKind::Tsunami),
    )
    .unwrap_err();
    assert!(e.to_string().contains("--depth-property"), "{e}");
}

/// Moves the last position of the first ring of the first `k` features by `gap` degrees.
fn open_rings(text: &str, k: usize, gap: f64) -> String {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    let features = v["features"].as_array_mut().unwrap();
    for f in features.iter_mut().take(k) {
        let g = &mut f["geometry"];
        let ring = if g["type"] == "MultiPolygon" {
            &mut g["coordinates"][0][0]
        } else {
            &mut g["coordinates"][0]
        };
        let last = ring.as_array_mut().unwrap().last_mut().unwrap();
        let lon = last[0].as_f64().unwrap();
        last[0] = serde_json::json!(lon + gap);
    }
    v.to_string()
}

#[test]
fn nearly_closed_rings_are_closed_and_reported_but_open_rings_refused() {
    use mimamori::io::import::hazards::{RING_SNAP_DEG, read_hazards_with_stats};
    let opts = HazardOptions::geojson(HazardKind::Landslide);
    let real = data("gsi-noto-2024/slope-failure/hokai_all_20240118_nanao.geojson");
    let (zones, stats) = read_hazards_with_stats(&real, &opts).unwrap();
    assert_eq!(stats.rings_closed, 0, "the GSI file has closed rings");
    let text = std::fs::read_to_string(&real).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = mimamori::rng::Rng::new(7);
    for _ in 0..5 {
        let k = 1 + rng.below(zones.len());
        let p = dir.path().join("gap.geojson");
        std::fs::write(&p, open_rings(&text, k, RING_SNAP_DEG / 2.0)).unwrap();
        let (again, stats) = read_hazards_with_stats(&p, &opts).unwrap();
        assert_eq!(stats.rings_closed, k);
        assert_eq!(again.len(), zones.len());
    }
    let p = dir.path().join("open.geojson");
    std::fs::write(&p, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0.001]]]}}]}"#).unwrap();
    let e = read_hazards(&p, &opts).unwrap_err().to_string();
    assert!(
        e.contains("feature no. 1 (counting from 1)")
            && e.contains("first and last positions differ"),
        "{e}"
    );
}
