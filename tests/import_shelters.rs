//! GSI shelter import over the real Asahikawa files (79 evacuation sites, 212 shelters).

use mimamori::io::import::shelters::{ShelterFormat, plan_shelters, read_shelters};
use mimamori::io::mapdir;
use mimamori::model::{HazardType, Shelter, ShelterKind, WelfareAccess};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/shelters")).join(rel)
}

fn read(f: &Path) -> Vec<Shelter> {
    read_shelters(f, ShelterFormat::Gsi, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

#[test]
fn asahikawa_evacuation_sites_have_the_readme_hazard_counts() {
    let (sites, stats) = read_shelters(
        &data("gsi_emergency_evacuation_sites_012041.csv"),
        ShelterFormat::Gsi,
        None,
    )
    .unwrap();
    assert_eq!(sites.len(), 79);
    assert!(stats.merged.is_empty());
    assert!(sites.iter().all(|s| s.kind == ShelterKind::EvacuationSite));
    let count = |h| sites.iter().filter(|s| s.hazards.contains(h)).count();
    use HazardType::*;
    assert_eq!(
        [
            Flood,
            Landslide,
            StormSurge,
            Earthquake,
            Tsunami,
            LargeFire,
            InlandFlood,
            Volcano
        ]
        .map(count),
        [52, 53, 0, 53, 0, 52, 65, 0]
    );
    // Full-width digits in addresses are kept as text; the id is the GSI 共通ID.
    let s = sites.iter().find(|s| s.ext_id == "E0120400197201").unwrap();
    assert_eq!(s.address, "北海道旭川市６条通14");
    assert!(
        (s.location.lat - 43.768772).abs() < 1e-9 && (s.location.lon - 142.372468).abs() < 1e-9
    );
}

#[test]
fn asahikawa_shelters_keep_repeated_names_and_mark_welfare_shelters() {
    let (shelters, stats) = read_shelters(
        &data("gsi_designated_shelters_012041.geojson"),
        ShelterFormat::Gsi,
        None,
    )
    .unwrap();
    // Same name at the same address is a general and a welfare listing: both kept.
    assert_eq!(shelters.len(), 212);
    assert_eq!(stats.repeated_names, 72);
    assert!(stats.merged.is_empty());
    let welfare: Vec<_> = shelters
        .iter()
        .filter(|s| s.kind == ShelterKind::WelfareShelter)
        .collect();
    // 要配慮者 75 + 施設の利用者とその家族等 1.
    assert_eq!(welfare.len(), 76);
    assert!(
        welfare
            .iter()
            .all(|s| s.welfare_access == Some(WelfareAccess::TransferOnly))
    );
    assert_eq!(
        shelters
            .iter()
            .filter(|s| s.kind == ShelterKind::Shelter)
            .count(),
        136
    );
}

#[test]
fn csv_and_geojson_give_the_same_shelters() {
    for stem in [
        "gsi_emergency_evacuation_sites_012041",
        "gsi_designated_shelters_012041",
    ] {
        let a = read(&data(&format!("{stem}.csv")));
        let b = read(&data(&format!("{stem}.geojson")));
        assert_eq!(a, b, "{stem}");
    }
}

#[test]
fn a_shift_jis_copy_gives_the_same_shelters() {
    let dir = tempfile::tempdir().unwrap();
    for stem in [
        "gsi_emergency_evacuation_sites_012041",
        "gsi_designated_shelters_012041",
    ] {
        let text = std::fs::read_to_string(data(&format!("{stem}.csv"))).unwrap();
        let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!lossy);
        let p = dir.path().join(format!("{stem}_sjis.csv"));
        std::fs::write(&p, &sjis).unwrap();
        assert_eq!(read(&p), read(&data(&format!("{stem}.csv"))), "{stem}");
    }
}

#[test]
fn full_width_digits_in_coordinates_parse() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("gsi_emergency_evacuation_sites_012041.csv")).unwrap();
    let wide = text.replacen(
        "43.768772,142.372468",
        "４３．７６８７７２,１４２．３７２４６８",
        1,
    );
    assert_ne!(wide, text);
    let p = dir.path().join("wide.csv");
    std::fs::write(&p, wide).unwrap();
    assert_eq!(
        read(&p),
        read(&data("gsi_emergency_evacuation_sites_012041.csv"))
    );
}

#[test]
fn importing_both_files_merges_into_one_folder_with_attribution() {
    let dir = tempfile::tempdir().unwrap();
    let sites = data("gsi_emergency_evacuation_sites_012041.geojson");
    plan_shelters(&sites, dir.path(), ShelterFormat::Gsi, None)
        .unwrap()
        .write()
        .unwrap();
    plan_shelters(
        &data("gsi_designated_shelters_012041.csv"),
        dir.path(),
        ShelterFormat::Gsi,
        None,
    )
    .unwrap()
    .write()
    .unwrap();
    let first = std::fs::read(dir.path().join(mapdir::SHELTERS)).unwrap();
    // Re-importing replaces by id: same folder content.
    plan_shelters(&sites, dir.path(), ShelterFormat::Gsi, None)
        .unwrap()
        .write()
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join(mapdir::SHELTERS)).unwrap(),
        first
    );
    let text = String::from_utf8(first).unwrap();
    let fs = mimamori::io::geojson_in::read_feature_collection(Path::new("s"), &text).unwrap();
    let mut errs = Default::default();
    assert_eq!(
        mapdir::shelters_from(Path::new("s"), &fs, &mut errs).len(),
        79 + 212
    );
    let meta = mapdir::read_meta(&dir.path().join(mapdir::MAP_TOML)).unwrap();
    assert_eq!(meta.sources.len(), 2);
    assert!(meta.sources.iter().all(|s| {
        s.attribution
            .contains("出典：国土地理院 指定緊急避難場所・指定避難所データ")
            && s.attribution.contains("加工して作成")
    }));
}

#[test]
fn dry_run_plan_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_shelters(
        &data("gsi_emergency_evacuation_sites_012041.csv"),
        dir.path(),
        ShelterFormat::Gsi,
        None,
    )
    .unwrap();
    assert!(
        plan.to_string().contains("designated for 洪水: 52"),
        "{plan}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
