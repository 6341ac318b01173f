//! Roster import: Shift_JIS municipal CSV with Japanese headers and 和暦 dates.

use mimamori::io::Encoding;
use mimamori::io::import::roster::{RosterKind, plan_roster};
use mimamori::io::mapdir;
use mimamori::model::{District, MapMeta};
use std::path::Path;

/// A folder with map.toml and two districts, nothing else.
fn folder() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let districts = ["D01", "D02"].map(|c| District {
        code: c.into(),
        name: format!("{c}地区"),
        boundary: None,
        commissioner: String::new(),
    });
    std::fs::write(
        d.path().join(mapdir::DISTRICTS),
        mapdir::districts_geojson(&districts),
    )
    .unwrap();
    let meta = MapMeta {
        name: "テスト".into(),
        csv_encoding: "utf-8".into(),
        ..MapMeta::default()
    };
    std::fs::write(d.path().join(mapdir::MAP_TOML), mapdir::meta_toml(&meta)).unwrap();
    d
}

fn sjis(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let (b, _, lossy) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!lossy);
    let p = dir.join(name);
    std::fs::write(&p, &b).unwrap();
    p
}

const PEOPLE_HEAD: &str = "番号,地区,氏名,ふりがな,生年月日,性別,住所,電話番号,経度,緯度,避難支援等を必要とする事由,移動,計画作成同意,平常時提供同意\n";

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn shift_jis_roster_with_era_dates_imports_and_canonical_files_load() {
    let d = folder();
    let src = tempfile::tempdir().unwrap();
    let people = sjis(
        src.path(),
        "要支援者名簿.csv",
        &format!(
            "{PEOPLE_HEAD}P001,D01,旭川 花子,あさひかわ はなこ,昭和１５年３月２日,女,旭川市1条,0166-00-0000,142.36,43.77,要介護３;独居,車いす,同意,同意\n\
             P002,D02,旭川 太郎,,平成元年1月8日,男,旭川市2条,,142.37,43.78,身体障害者手帳1級,自力歩行可,同意,不同意\n"
        ),
    );
    let plan = plan_roster(RosterKind::People, &people, d.path(), Encoding::Auto).unwrap();
    assert!(plan.to_string().contains("people.csv written: 2"), "{plan}");
    plan.write().unwrap();
    let vols = sjis(
        src.path(),
        "担い手.csv",
        "担い手番号,地区,氏名,経度,緯度,生年,役割,計画への記載同意\nV01,D01,近所 一郎,142.361,43.771,1960,担い手,同意\n",
    );
    plan_roster(RosterKind::Volunteers, &vols, d.path(), Encoding::ShiftJis)
        .unwrap()
        .write()
        .unwrap();
    let recs = sjis(
        src.path(),
        "見守り.csv",
        "実施日,対象者番号,担い手番号,方法,結果\n令和6年4月1日,P001,V01,訪問,異常なし\nR6.5.1,P002,V01,電話,不在・応答なし\n",
    );
    plan_roster(RosterKind::WatchRecords, &recs, d.path(), Encoding::Auto)
        .unwrap()
        .write()
        .unwrap();

    // The canonical files are UTF-8 with English headers and ISO dates.
    let text = std::fs::read_to_string(d.path().join(mapdir::PEOPLE)).unwrap();
    assert!(text.starts_with("id,district,name"));
    assert!(
        text.contains("1940-03-02") && text.contains("1989-01-08"),
        "{text}"
    );
    // And the rest of the folder to make it loadable: one road (an empty road layer is
    // refused), empty other layers.
    std::fs::write(
        d.path().join(mapdir::ROADS),
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"R1\",\
         \"properties\":{},\"geometry\":{\"type\":\"LineString\",\
         \"coordinates\":[[142.36,43.77],[142.37,43.78]]}}]}",
    )
    .unwrap();
    for f in [mapdir::SHELTERS, mapdir::HAZARDS] {
        std::fs::write(
            d.path().join(f),
            "{\"type\":\"FeatureCollection\",\"features\":[]}",
        )
        .unwrap();
    }
    let map = mapdir::load_map(d.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (map.people.len(), map.volunteers.len(), map.records.len()),
        (2, 1, 2)
    );
    assert_eq!(map.people[0].kana, "あさひかわ はなこ");
}

#[test]
fn bad_row_is_refused_with_line_and_field_and_the_folder_is_unchanged() {
    let d = folder();
    let src = tempfile::tempdir().unwrap();
    let good = sjis(
        src.path(),
        "good.csv",
        &format!(
            "{PEOPLE_HEAD}P001,D01,旭川 花子,,昭和15年3月2日,女,旭川市1条,,142.36,43.77,独居,車いす,同意,同意\n"
        ),
    );
    plan_roster(RosterKind::People, &good, d.path(), Encoding::Auto)
        .unwrap()
        .write()
        .unwrap();
    let before = snapshot(d.path());
    let bad = sjis(
        src.path(),
        "bad.csv",
        &format!(
            "{PEOPLE_HEAD}P001,D01,旭川 花子,,昭和15年3月2日,女,旭川市1条,,142.36,43.77,独居,車いす,同意,同意\n\
             P002,D01,旭川 次郎,,昭和99年1月1日,男,旭川市2条,,142.37,43.78,独居,自力歩行可,同意,同意\n\
             P003,D09,旭川 三郎,,昭和20年1月1日,男,旭川市3条,,142.37,43.78,独居,自力歩行可,同意,同意\n"
        ),
    );
    let e = plan_roster(RosterKind::People, &bad, d.path(), Encoding::ShiftJis)
        .unwrap_err()
        .to_string();
    // A birth date is personal: the field is named, its value never shown.
    assert!(
        e.contains("bad.csv:3: field `birth_date` (value not shown: personal data): expected"),
        "{e}"
    );
    assert!(!e.contains("昭和99"), "{e}");
    assert!(
        e.contains("bad.csv:4: field `district`: found \"D09\""),
        "{e}"
    );
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn people_import_that_would_orphan_watch_records_is_refused() {
    let d = folder();
    let src = tempfile::tempdir().unwrap();
    let two = sjis(
        src.path(),
        "p.csv",
        &format!(
            "{PEOPLE_HEAD}P001,D01,甲,,S15.3.2,女,a,,142.36,43.77,独居,車いす,同意,同意\n\
             P002,D01,乙,,S16.3.2,女,b,,142.36,43.77,独居,車いす,同意,同意\n"
        ),
    );
    plan_roster(RosterKind::People, &two, d.path(), Encoding::Auto)
        .unwrap()
        .write()
        .unwrap();
    let v = sjis(
        src.path(),
        "v.csv",
        "ID,地区,氏名,経度,緯度,生年,役割,計画への記載同意\nV01,D01,丙,142.3,43.7,1960,担い手,同意\n",
    );
    plan_roster(RosterKind::Volunteers, &v, d.path(), Encoding::Auto)
        .unwrap()
        .write()
        .unwrap();
    let r = sjis(
        src.path(),
        "r.csv",
        "日付,対象者,担い手,方法,結果\n2024-04-01,P002,V01,訪問,異常なし\n",
    );
    plan_roster(RosterKind::WatchRecords, &r, d.path(), Encoding::Auto)
        .unwrap()
        .write()
        .unwrap();
    let before = snapshot(d.path());
    let one = sjis(
        src.path(),
        "p1.csv",
        &format!("{PEOPLE_HEAD}P001,D01,甲,,S15.3.2,女,a,,142.36,43.77,独居,車いす,同意,同意\n"),
    );
    let e = plan_roster(RosterKind::People, &one, d.path(), Encoding::Auto)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("watch_records.csv:2: field `person`: found \"P002\""),
        "{e}"
    );
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn watch_record_naming_an_unknown_person_is_refused() {
    let d = folder();
    let src = tempfile::tempdir().unwrap();
    let r = sjis(
        src.path(),
        "r.csv",
        "日付,対象者,担い手,方法,結果\n2024-04-01,P404,V01,訪問,異常なし\n",
    );
    let e = plan_roster(RosterKind::WatchRecords, &r, d.path(), Encoding::Auto)
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.csv:2: field `person`: found \"P404\""), "{e}");
}
