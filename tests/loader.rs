//! Map folder loading: every kind of loader error is refused with its location, nothing is
//! loaded when anything is wrong, and writing then reading a map is lossless.

use mimamori::io::mapdir::{self, load_map, write_map};
use mimamori::synth::{Preset, generate};
use std::fs;
use std::path::{Path, PathBuf};

/// A valid map folder (the sample district) in a fresh temporary directory.
fn sample_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("map");
    write_map(&dir, &generate(&Preset::sample_district(), 7, None)).unwrap();
    (tmp, dir)
}

/// Replaces line `line` (1-based) of a text file with `f(old line)`.
fn edit_line(path: &Path, line: usize, f: impl Fn(&str) -> String) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[line - 1] = f(&lines[line - 1]);
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Replaces CSV field `col` (0-based, no quoting in generated files for these) of a line.
fn set_field(path: &Path, line: usize, col: usize, value: &str) {
    edit_line(path, line, |l| {
        let mut f: Vec<String> = l.split(',').map(str::to_owned).collect();
        f[col] = value.to_owned();
        f.join(",")
    });
}

fn load_err(dir: &Path) -> String {
    match load_map(dir) {
        Ok(_) => panic!("the broken map loaded"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(msg: &str, needle: &str) {
    assert!(msg.contains(needle), "expected {needle:?} in:\n{msg}");
}

#[test]
fn the_sample_map_loads_and_round_trips_byte_for_byte() {
    let (_t, dir) = sample_dir();
    let map = load_map(&dir).unwrap();
    assert_eq!(map.people.len(), 40);
    let again = dir.parent().unwrap().join("again");
    write_map(&again, &map).unwrap();
    for f in [
        mapdir::PEOPLE,
        mapdir::VOLUNTEERS,
        mapdir::WATCH_RECORDS,
        mapdir::ROADS,
        mapdir::SHELTERS,
        mapdir::HAZARDS,
        mapdir::DISTRICTS,
        mapdir::MAP_TOML,
    ] {
        assert_eq!(
            fs::read(dir.join(f)).unwrap(),
            fs::read(again.join(f)).unwrap(),
            "{f} changed on round trip"
        );
    }
}

#[test]
fn a_bad_date_is_located_by_file_line_and_field() {
    let (_t, dir) = sample_dir();
    set_field(&dir.join("people.csv"), 3, 4, "1946-13-01");
    let msg = load_err(&dir);
    assert_has(
        &msg,
        "people.csv:3: field `birth_date` (value not shown: personal data): expected a date",
    );
    assert!(!msg.contains("1946-13-01"), "{msg}");
}

#[test]
fn an_unknown_district_code_is_refused() {
    let (_t, dir) = sample_dir();
    set_field(&dir.join("people.csv"), 2, 1, "D99");
    assert_has(
        &load_err(&dir),
        "people.csv:2: field `district`: found \"D99\"",
    );
}

#[test]
fn a_missing_required_column_is_named() {
    let (_t, dir) = sample_dir();
    edit_line(&dir.join("volunteers.csv"), 1, |l| {
        l.replace("consent_named", "whatever")
    });
    assert_has(&load_err(&dir), "volunteers.csv:1: field `consent_named`");
}

#[test]
fn a_duplicate_id_is_refused_on_its_second_line() {
    let (_t, dir) = sample_dir();
    set_field(&dir.join("volunteers.csv"), 5, 0, "V00001");
    assert_has(
        &load_err(&dir),
        "volunteers.csv:5: field `id`: found \"V00001\"",
    );
}

#[test]
fn vocabulary_and_range_errors_name_what_was_expected() {
    let (_t, dir) = sample_dir();
    set_field(&dir.join("volunteers.csv"), 2, 7, "helper;astronaut");
    set_field(&dir.join("people.csv"), 4, 11, "flying");
    set_field(&dir.join("people.csv"), 5, 8, "542.1");
    set_field(&dir.join("people.csv"), 6, 15, "9");
    let msg = load_err(&dir);
    assert_has(
        &msg,
        "volunteers.csv:2: field `roles`: found \"astronaut\", expected helper, caretaker",
    );
    // Values of personal fields (a person's mobility, home coordinates) are never shown.
    assert_has(
        &msg,
        "people.csv:4: field `mobility` (value not shown: personal data): expected walks_alone",
    );
    assert_has(
        &msg,
        "people.csv:5: field `lon` (value not shown: personal data): expected a number from -180 to 180",
    );
    assert!(!msg.contains("flying") && !msg.contains("542.1"), "{msg}");
    assert_has(&msg, "people.csv:6: field `bedroom_floor`");
}

#[test]
fn a_watch_record_naming_an_unknown_person_is_an_error() {
    let (_t, dir) = sample_dir();
    set_field(&dir.join("watch_records.csv"), 10, 1, "P99999");
    assert_has(
        &load_err(&dir),
        "watch_records.csv:10: field `person`: found \"P99999\"",
    );
}

#[test]
fn geojson_layers_report_feature_index_and_field() {
    let (_t, dir) = sample_dir();
    // Feature lines start at line 2 (one feature per line).
    edit_line(&dir.join("shelters.geojson"), 3, |l| {
        l.replace("\"kind\":\"evacuation_site\"", "\"kind\":\"castle\"")
    });
    edit_line(&dir.join("hazards.geojson"), 2, |l| {
        l.replace("\"depth_rank\":4", "\"depth_rank\":9")
    });
    edit_line(&dir.join("roads.geojson"), 2, |l| {
        let mut f: serde_json::Value = serde_json::from_str(l.trim_end_matches(',')).unwrap();
        f["geometry"] = serde_json::json!({"type": "Point", "coordinates": [142.3, 43.7]});
        format!("{f},")
    });
    let msg = load_err(&dir);
    assert_has(
        &msg,
        "shelters.geojson: feature no. 2 (counting from 1), id \"S0002\": field `kind`: found \"castle\"",
    );
    assert_has(
        &msg,
        "hazards.geojson: feature no. 1 (counting from 1), id \"F0-4n\": field `depth_rank`: found \"9\"",
    );
    assert_has(
        &msg,
        "roads.geojson: feature no. 1 (counting from 1), id \"R000-0\": field `geometry`: found \"Point\", expected a LineString",
    );
}

#[test]
fn json_syntax_errors_give_line_and_column() {
    let (_t, dir) = sample_dir();
    edit_line(&dir.join("districts.geojson"), 2, |l| {
        l.replacen('{', "{{", 1)
    });
    assert_has(&load_err(&dir), "districts.geojson:2:");
}

#[test]
fn map_toml_errors_give_the_line() {
    let (_t, dir) = sample_dir();
    edit_line(&dir.join("map.toml"), 3, |_| "csv_encoding = ".into());
    assert_has(&load_err(&dir), "map.toml:3:");
}

#[test]
fn a_missing_road_layer_is_named_and_other_missing_layers_are_empty() {
    let (_t, dir) = sample_dir();
    fs::remove_file(dir.join("hazards.geojson")).unwrap();
    fs::remove_file(dir.join("watch_records.csv")).unwrap();
    let map = load_map(&dir).unwrap();
    assert!(map.hazards.is_empty() && map.records.is_empty() && !map.people.is_empty());
    fs::remove_file(dir.join("roads.geojson")).unwrap();
    assert_has(&load_err(&dir), "roads.geojson: expected a readable file");
}

#[test]
fn shift_jis_csv_with_japanese_headers_loads_the_same_people() {
    let (_t, dir) = sample_dir();
    let want = load_map(&dir).unwrap();
    let to_sjis = |name: &str, f: &dyn Fn(String) -> String| {
        let text = f(fs::read_to_string(dir.join(name)).unwrap());
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!bad);
        fs::write(dir.join(name), &sjis).unwrap();
    };
    to_sjis("people.csv", &|t| {
        t.replacen(
            "id,district,name,kana,birth_date",
            "番号,地区,氏名,ふりがな,生年月日",
            1,
        )
    });
    // Detected automatically...
    assert_eq!(load_map(&dir).unwrap().people, want.people);
    // ...and when map.toml names it for every CSV file.
    to_sjis("volunteers.csv", &|t| t);
    to_sjis("watch_records.csv", &|t| t);
    let toml = fs::read_to_string(dir.join("map.toml")).unwrap();
    fs::write(
        dir.join("map.toml"),
        toml.replace("csv_encoding = \"auto\"", "csv_encoding = \"shift_jis\""),
    )
    .unwrap();
    let got = load_map(&dir).unwrap();
    assert_eq!(
        (got.people, got.volunteers, got.records),
        (want.people, want.volunteers, want.records)
    );
    // Declared as UTF-8, the Shift_JIS file is refused rather than read as mojibake.
    fs::write(
        dir.join("map.toml"),
        toml.replace("csv_encoding = \"auto\"", "csv_encoding = \"utf-8\""),
    )
    .unwrap();
    assert_has(&load_err(&dir), "people.csv:1: expected UTF-8 text");
}

#[test]
fn errors_are_collected_up_to_the_limit_and_nothing_loads() {
    let (_t, dir) = sample_dir();
    let path = dir.join("watch_records.csv");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace(",visit,", ",teleport,")).unwrap();
    let e = load_map(&dir).unwrap_err();
    assert_eq!(e.errors.len(), mimamori::io::MAX_ERRORS);
    assert!(e.truncated);
}

#[test]
fn pins_and_family_helpers_load_round_trip_and_bad_references_are_located() {
    let (_t, dir) = sample_dir();
    let map = load_map(&dir).unwrap();
    let (p0, p1) = (&map.people[0].ext_id, &map.people[1].ext_id);
    let v0 = &map.volunteers[0].ext_id;
    let s0 = &map.shelters[0].ext_id;
    fs::write(
        dir.join(mapdir::PINS),
        format!("person_id,helper_id,destination_id,note\n{p0},{v0},,本人の希望\n{p1},,{s0},\n"),
    )
    .unwrap();
    let map = load_map(&dir).unwrap();
    assert_eq!(map.pins.len(), 2);
    assert_eq!(map.pins[0].helper, map.find_volunteer(v0));
    assert_eq!(map.pins[0].destination, None);
    assert_eq!(map.pins[1].helper, None);
    assert_eq!(map.pins[0].note, "本人の希望");
    let again = dir.parent().unwrap().join("again");
    write_map(&again, &map).unwrap();
    assert_eq!(load_map(&again).unwrap(), map);
    // A volunteer that does not exist: file, line and field named.
    set_field(&dir.join(mapdir::PINS), 2, 1, "V99999");
    let msg = load_err(&dir);
    assert_has(&msg, "pins.csv:2: field `helper_id`");
    // Neither a helper nor a destination.
    set_field(&dir.join(mapdir::PINS), 2, 1, "");
    assert_has(&load_err(&dir), "a helper id, a destination id or both");
    // Two rows for one person.
    set_field(&dir.join(mapdir::PINS), 2, 1, v0);
    set_field(&dir.join(mapdir::PINS), 3, 0, p0);
    assert_has(&load_err(&dir), "one pins.csv row per person");
    fs::remove_file(dir.join(mapdir::PINS)).unwrap();
    // family_helper: an availability, or empty / none.
    let people = dir.join(mapdir::PEOPLE);
    let header = fs::read_to_string(&people).unwrap();
    let col = header
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "family_helper")
        .unwrap();
    set_field(&people, 2, col, "night");
    let map = load_map(&dir).unwrap();
    let a = map.people[0].family_helper.unwrap();
    assert!(a.weekday_night && a.weekend_night && !a.weekday_day && !a.weekend_day);
    set_field(&people, 2, col, "none");
    assert_eq!(load_map(&dir).unwrap().people[0].family_helper, None);
    set_field(&people, 2, col, "sometimes");
    assert_has(&load_err(&dir), "people.csv:2: field `family_helper`");
}
