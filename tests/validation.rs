//! Issue 10, points 3-5: implausible data is refused, errors name the root cause without
//! showing personal values, reading stops early on garbage. One test per defect of the issue;
//! each builds its broken file from the committed `maps/sample-district`.

use mimamori::io::mapdir::{self, LoadOptions, load_map_at, load_map_with};
use mimamori::io::{DataErrors, MAX_ERRORS, STOP_AFTER};
use mimamori::model::{Map, MapMeta, Plausibility, municipality_code_ok};
use mimamori::plan::Scenario;
use std::fs;
use std::path::{Path, PathBuf};
use time::Date;
use time::macros::date;

/// The clock date the tests pretend it is (the library reads no clock).
const TODAY: Date = date!(2026 - 12 - 01);

/// A copy of `maps/sample-district` in a fresh temporary folder.
fn sample() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("map");
    fs::create_dir(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    for e in fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    // Judge the copy as of TODAY: drop the date the committed map states.
    let toml = dir.join(mapdir::MAP_TOML);
    let text = fs::read_to_string(&toml).unwrap();
    let without: Vec<&str> = text.lines().filter(|l| !l.starts_with("as_of")).collect();
    fs::write(&toml, without.join("\n") + "\n").unwrap();
    (tmp, dir)
}

fn load(dir: &Path) -> Result<Map, DataErrors> {
    load_map_at(dir, None, TODAY).map(|(m, _)| m)
}

fn load_err(dir: &Path) -> (DataErrors, String) {
    match load(dir) {
        Ok(_) => panic!("the broken map loaded"),
        Err(e) => {
            let s = e.to_string();
            (e, s)
        }
    }
}

fn assert_has(msg: &str, needle: &str) {
    assert!(msg.contains(needle), "expected {needle:?} in:\n{msg}");
}

fn assert_lacks(msg: &str, needle: &str) {
    assert!(
        !msg.contains(needle),
        "{needle:?} must not appear in:\n{msg}"
    );
}

/// Rewrites line `line` (1-based) of a text file.
fn edit_line(path: &Path, line: usize, f: impl Fn(&str) -> String) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[line - 1] = f(&lines[line - 1]);
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Sets CSV field `col` (0-based) of line `line`; the sample files have no quoted fields.
fn set_field(path: &Path, line: usize, col: usize, value: &str) {
    edit_line(path, line, |l| {
        let mut f: Vec<String> = l.split(',').map(str::to_owned).collect();
        f[col] = value.to_owned();
        f.join(",")
    });
}

fn field(path: &Path, line: usize, col: usize) -> String {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .nth(line - 1)
        .unwrap()
        .split(',')
        .nth(col)
        .unwrap()
        .to_owned()
}

// ------------------------------------------------------------------ point 3: plausibility

/// The committed synthetic maps state their as-of date (the day after their fiscal year), so
/// their plans do not change with the clock.
#[test]
fn the_committed_maps_state_their_as_of_date() {
    for name in ["sample-district", "asahikawa-synthetic"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("maps")
            .join(name);
        let meta = mapdir::read_meta(&path.join(mapdir::MAP_TOML)).unwrap();
        assert_eq!(meta.as_of, Some(date!(2024 - 04 - 01)), "{name}");
        assert_eq!(mapdir::default_as_of(&meta, TODAY), date!(2024 - 04 - 01));
    }
}

#[test]
fn the_sample_map_loads_as_of_today() {
    let (_t, dir) = sample();
    let (map, as_of) = load_map_at(&dir, None, TODAY).unwrap();
    assert_eq!(as_of, TODAY);
    assert_eq!(map.people.len(), 40);
}

/// Regression: birth year 2030 was accepted (age -6 on a printed sheet).
#[test]
fn a_birth_date_after_the_as_of_date_is_refused_with_the_allowed_range() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    set_field(&people, 3, 4, "2030-05-01");
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        "people.csv:3: field `birth_date` (value not shown: personal data): expected a birth date from 1905-12-02 to 2026-12-01",
    );
    assert_lacks(&msg, "2030");
}

/// Regression: a valid date out of range (born 1774) was reported as "expected a date".
#[test]
fn a_birth_date_before_1900_gives_the_range_not_a_format_error() {
    let (_t, dir) = sample();
    set_field(&dir.join(mapdir::PEOPLE), 2, 4, "1774-03-02");
    let (_, msg) = load_err(&dir);
    assert_has(&msg, "from 1905-12-02 to 2026-12-01");
    assert_has(&msg, "not before 1900-01-01");
    assert_lacks(&msg, "1774");
    // Without an as-of date, the fixed lower bound still holds.
    let e = load_map_with(&dir, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert_has(&e, "a birth date from 1900-01-01 to today");
}

#[test]
fn birth_date_bounds_are_exact_on_both_sides() {
    let rules = Plausibility::default();
    let (lo, hi) = rules.birth_range(TODAY);
    assert_eq!(hi, TODAY);
    // Age 120 on the as-of date is accepted (born 1905-12-02 turns 121 only on 2026-12-02),
    // 121 refused.
    assert_eq!(lo, date!(1905 - 12 - 02));
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    for (d, ok) in [
        ("1905-12-02", true),
        ("1905-12-01", false),
        ("2026-12-01", true),
        ("2026-12-02", false),
    ] {
        set_field(&people, 2, 4, d);
        assert_eq!(load(&dir).is_ok(), ok, "birth date {d}");
    }
}

/// Regression: a volunteer born 2090 was accepted.
#[test]
fn a_volunteer_outside_ages_15_to_100_is_refused() {
    let (_t, dir) = sample();
    let vols = dir.join(mapdir::VOLUNTEERS);
    for (year, ok) in [
        ("2090", false),
        ("2012", false),
        ("2011", true),
        ("1926", true),
        ("1925", false),
    ] {
        set_field(&vols, 2, 6, year);
        match load(&dir) {
            Ok(_) => assert!(ok, "birth year {year} was accepted"),
            Err(e) => {
                assert!(!ok, "birth year {year} was refused: {e}");
                let msg = e.to_string();
                assert_has(&msg, "volunteers.csv:2: field `birth_year`");
                assert_has(&msg, "from 1926 to 2011 (ages 15 to 100 in 2026)");
                assert_lacks(&msg, year);
            }
        }
    }
}

/// Regression: one watch record dated 2033 moved every plan to 2033 (ages shifted by 9).
#[test]
fn a_watch_record_in_the_future_is_refused_and_never_sets_the_as_of_date() {
    let (_t, dir) = sample();
    set_field(&dir.join(mapdir::WATCH_RECORDS), 5, 0, "2033-06-01");
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(&msg, "watch_records.csv:5: field `date`");
    assert_has(&msg, "from 2016-12-01 to 2026-12-01");
    assert_has(&msg, "cannot be after the as-of date 2026-12-01");
    // The default as-of date is the map's stated date or today, whatever the records hold.
    let meta = mapdir::read_meta(&dir.join(mapdir::MAP_TOML)).unwrap();
    assert_eq!(mapdir::default_as_of(&meta, TODAY), TODAY);
    let stated = MapMeta {
        as_of: Some(date!(2024 - 04 - 01)),
        ..meta
    };
    assert_eq!(mapdir::default_as_of(&stated, TODAY), date!(2024 - 04 - 01));
}

#[test]
fn a_watch_record_more_than_ten_years_old_is_refused() {
    let (_t, dir) = sample();
    let rec = dir.join(mapdir::WATCH_RECORDS);
    set_field(&rec, 7, 0, "2016-11-30");
    let (_, msg) = load_err(&dir);
    assert_has(&msg, "watch_records.csv:7: field `date`");
    assert_has(&msg, "at most 10 years before the as-of date 2026-12-01");
    set_field(&rec, 7, 0, "2016-12-01");
    load(&dir).unwrap();
}

#[test]
fn the_map_s_stated_as_of_date_is_used_and_range_checked() {
    let (_t, dir) = sample();
    let toml = dir.join(mapdir::MAP_TOML);
    let text = fs::read_to_string(&toml).unwrap();
    fs::write(&toml, format!("as_of = \"2024-04-01\"\n{text}")).unwrap();
    let (map, as_of) = load_map_at(&dir, None, TODAY).unwrap();
    assert_eq!(as_of, date!(2024 - 04 - 01));
    assert_eq!(map.meta.as_of, Some(as_of));
    // A TOML date without quotes is read the same way.
    fs::write(&toml, format!("as_of = 2024-04-01\n{text}")).unwrap();
    assert_eq!(load_map_at(&dir, None, TODAY).unwrap().1, as_of);
    // The stated date judges the records: one after it is refused.
    fs::write(&toml, format!("as_of = \"2023-06-01\"\n{text}")).unwrap();
    let e = load(&dir).unwrap_err().to_string();
    assert_has(&e, "cannot be after the as-of date 2023-06-01");
    fs::write(&toml, format!("as_of = \"1900-01-01\"\n{text}")).unwrap();
    let e = load(&dir).unwrap_err().to_string();
    assert_has(&e, "map.toml:1: field `as_of`");
    assert_has(&e, "a date from 2000-01-01 to 2100-12-31");
    // An explicit as-of date wins over the stated one.
    fs::write(&toml, format!("as_of = \"2024-04-01\"\n{text}")).unwrap();
    let (_, as_of) = load_map_at(&dir, Some(date!(2025 - 01 - 01)), TODAY).unwrap();
    assert_eq!(as_of, date!(2025 - 01 - 01));
}

/// Regression: `--as-of 1900` was accepted.
#[test]
fn as_of_option_is_range_checked() {
    for bad in ["1900-01-01", "1999-12-31", "2101-01-01", "9999-12-31"] {
        let e = mapdir::parse_as_of(bad).unwrap_err();
        assert!(e.contains("from 2000-01-01 to 2100-12-31"), "{e}");
    }
    for bad in ["1900", "yesterday", "2024-02-30", ""] {
        let e = mapdir::parse_as_of(bad).unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }
    assert_eq!(mapdir::parse_as_of("2024-04-01"), Ok(date!(2024 - 04 - 01)));
    assert_eq!(
        mapdir::parse_as_of("令和6年4月1日"),
        Ok(date!(2024 - 04 - 01))
    );
}

/// Regression: an extra column on one row was accepted silently.
#[test]
fn an_extra_field_on_one_row_is_one_error_without_values() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    let phone = field(&people, 6, 7);
    // An unquoted comma inside the address: every later field shifts by one.
    edit_line(&people, 6, |l| {
        l.replacen("北海道旭川市", "北海道,旭川市", 1)
    });
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    let n = mapdir::PEOPLE_COLUMNS.len();
    assert_has(
        &msg,
        &format!(
            "people.csv:6: expected {n} fields as in the header, found {}",
            n + 1
        ),
    );
    assert_lacks(&msg, &phone);
    assert_lacks(&msg, "旭川市");
}

/// Regression: a duplicate header (`name` twice) silently dropped the kana.
#[test]
fn a_duplicate_header_is_refused() {
    let (_t, dir) = sample();
    edit_line(&dir.join(mapdir::PEOPLE), 1, |l| {
        l.replacen(",kana,", ",name,", 1)
    });
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(&msg, "people.csv:1: field `name`");
    assert_has(&msg, "columns 3 and 4 (counting from 1) both name it");
    // A Japanese alias of the same column is the same column.
    let (_t, dir) = sample();
    edit_line(&dir.join(mapdir::PEOPLE), 1, |l| {
        l.replacen(",kana,", ",氏名,", 1)
    });
    assert_has(&load_err(&dir).1, "both name it");
}

/// Regression: duplicate road ids were accepted.
#[test]
fn a_duplicate_road_id_is_refused() {
    let (_t, dir) = sample();
    let roads = dir.join(mapdir::ROADS);
    let first_id = {
        let text = fs::read_to_string(&roads).unwrap();
        let l = text.lines().nth(1).unwrap().trim_end_matches(',');
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    edit_line(&roads, 3, |l| {
        let mut v: serde_json::Value = serde_json::from_str(l.trim_end_matches(',')).unwrap();
        v["id"] = first_id.clone().into();
        format!("{v},")
    });
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        &format!("roads.geojson: feature no. 2 (counting from 1), id {first_id:?}: field `id`"),
    );
    assert_has(&msg, "a road id used once");
}

/// Regression: a district listed twice gave 74 cascading errors.
#[test]
fn a_duplicate_district_is_reported_once() {
    let (_t, dir) = sample();
    let path = dir.join(mapdir::DISTRICTS);
    let text = fs::read_to_string(&path).unwrap();
    let line = text.lines().nth(1).unwrap().to_owned();
    fs::write(&path, text.replacen(&line, &format!("{line},\n{line}"), 1)).unwrap();
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        "districts.geojson: feature no. 2 (counting from 1), id \"D01\": field `code`: found \"D01\", expected a district code used once",
    );
}

/// Regression: municipality code `12AB` was accepted.
#[test]
fn municipality_codes_need_six_digits_and_the_check_digit() {
    let (_t, dir) = sample();
    let toml = dir.join(mapdir::MAP_TOML);
    let text = fs::read_to_string(&toml).unwrap();
    for bad in [
        "12AB",
        "012040",
        "01204",
        "0120411",
        "482011",
        "０１２０４１",
    ] {
        fs::write(&toml, text.replace("\"012041\"", &format!("{bad:?}"))).unwrap();
        let e = load(&dir).unwrap_err().to_string();
        assert_has(&e, "map.toml:2: field `municipality_code`");
        assert_has(&e, "JIS X 0402");
    }
    // Known codes (総務省): Asahikawa, Sapporo, Hokkaido, Tokyo, Osaka city, Naha.
    for good in ["012041", "011002", "010006", "130001", "271004", "472018"] {
        assert!(municipality_code_ok(good), "{good}");
    }
}

/// The check digit against a slow reference written from the rule's table (remainder 0 -> 1,
/// 1 -> 0, otherwise 11 - remainder), over every five-digit prefix of one prefecture and
/// seeded random ones.
#[test]
fn municipality_check_digit_matches_the_reference_table() {
    fn reference(first5: &str) -> char {
        let weights = [6, 5, 4, 3, 2];
        let mut sum = 0;
        for (c, w) in first5.chars().zip(weights) {
            sum += c.to_digit(10).unwrap() * w;
        }
        match sum % 11 {
            0 => '1',
            1 => '0',
            r => char::from_digit(11 - r, 10).unwrap(),
        }
    }
    let mut rng = mimamori::rng::Rng::new(10);
    let mut prefixes: Vec<String> = (0..1000).map(|n| format!("01{n:03}")).collect();
    for _ in 0..500 {
        let pref = 1 + rng.below(47);
        let rest = rng.below(1000);
        prefixes.push(format!("{pref:02}{rest:03}"));
    }
    for p in prefixes {
        let check = reference(&p);
        for d in '0'..='9' {
            let code = format!("{p}{d}");
            assert_eq!(municipality_code_ok(&code), d == check, "{code}");
        }
    }
}

/// Regression: a misspelt `[consnt]` table was ignored, silently reversing the sharing rule.
#[test]
fn unknown_keys_in_map_toml_are_refused_with_their_line() {
    let (_t, dir) = sample();
    let toml = dir.join(mapdir::MAP_TOML);
    let text = fs::read_to_string(&toml).unwrap();
    let consent_line = text.lines().position(|l| l == "[consent]").unwrap() + 1;
    fs::write(&toml, text.replace("[consent]", "[consnt]")).unwrap();
    let e = load(&dir).unwrap_err().to_string();
    assert_has(&e, &format!("map.toml:{consent_line}:"));
    assert_has(&e, "consnt");
    for (bad, key) in [
        ("sharing_opt_in = true", "sharing_opt_inn = true"),
        ("licence = \"CC0-1.0\"", "license = \"CC0-1.0\""),
        ("csv_encoding = \"auto\"", "csv_encodng = \"auto\""),
    ] {
        fs::write(&toml, text.replace(bad, key)).unwrap();
        let e = load(&dir).unwrap_err().to_string();
        let name = key.split(' ').next().unwrap();
        assert_has(&e, name);
        let line = text.lines().position(|l| l == bad).unwrap() + 1;
        assert_has(&e, &format!("map.toml:{line}:"));
    }
}

/// Regression: `lead_time_min = 1e308` and a closed area at longitude 500 were accepted.
#[test]
fn scenario_numbers_and_positions_are_range_checked_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("s.toml");
    for (text, field, line) in [
        ("name = \"x\"\nlead_time_min = 1e308\n", "lead_time_min", 2),
        ("lead_time_min = 0.5\n", "lead_time_min", 1),
        ("lead_time_min = nan\n", "lead_time_min", 1),
        ("power_outage_h = inf\n", "power_outage_h", 1),
        ("name = \"x\"\nalert_at = \"25:00\"\n", "alert_at", 2),
        ("unavailable_share = 1.5\n", "unavailable_share", 1),
        (
            "name = \"x\"\n\nclosed_areas = [[[500, 43], [501, 43], [501, 44], [500, 43]]]\n",
            "closed_areas",
            3,
        ),
        (
            "closed_areas = [[[142, 95], [142.1, 43], [142.1, 44], [142, 95]]]\n",
            "closed_areas",
            1,
        ),
    ] {
        fs::write(&f, text).unwrap();
        let e = mimamori::io::plan_out::read_scenario(&f)
            .unwrap_err()
            .to_string();
        assert_has(&e, &format!("s.toml:{line}: field `{field}`"));
    }
    fs::write(&f, "lead_time_min = 1440\nunavailable_share = 1\n").unwrap();
    mimamori::io::plan_out::read_scenario(&f).unwrap();
    assert!(Scenario::default().validate().is_ok());
}

/// Regression: an empty roads collection loaded (everyone silently off the network).
#[test]
fn an_empty_road_layer_is_refused() {
    let (_t, dir) = sample();
    fs::write(
        dir.join(mapdir::ROADS),
        "{\"type\":\"FeatureCollection\",\"features\":[]}",
    )
    .unwrap();
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        "roads.geojson: field `features`: expected at least one road",
    );
}

// ------------------------------------------------------------------ point 4: root causes

/// Regression: an unclosed quote gave 8 "missing field" errors and never named the quote.
#[test]
fn an_unclosed_quote_is_named_with_the_line_it_opened_on() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    edit_line(&people, 7, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        let addr = format!("\"{}", f[6]);
        f[6] = &addr;
        f.join(",")
    });
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        "people.csv:7: expected a closing quote (\") for the quote opened on line 7: the 35 line(s) after it were read as one value",
    );
}

/// Regression: an empty people.csv gave 11 "expected a column" errors.
#[test]
fn an_empty_csv_is_one_error_saying_there_is_no_header_row() {
    let (_t, dir) = sample();
    for empty in ["", "\n\n", "\r\n"] {
        fs::write(dir.join(mapdir::PEOPLE), empty).unwrap();
        let (e, msg) = load_err(&dir);
        assert_eq!(e.count(), 1, "{msg}");
        assert_has(&msg, "people.csv: expected a header row");
        assert_has(&msg, "the file has no header row");
    }
}

/// Regression: CSV line numbers were off by one for CRLF files (Excel's and Python's default).
#[test]
fn line_numbers_are_physical_for_crlf_and_multi_line_fields() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    // Quoted notes holding a line break on line 3, and a bad district on physical line 6.
    edit_line(&people, 3, |l| {
        let mut f: Vec<String> = l.split(',').map(str::to_owned).collect();
        f[27] = "\"一行目\n二行目\"".into();
        f.join(",")
    });
    set_field(&people, 6, 1, "D99");
    let text = fs::read_to_string(&people).unwrap();
    for (ending, name) in [("\r\n", "CRLF"), ("\n", "LF"), ("\r", "CR")] {
        fs::write(&people, text.replace('\n', ending)).unwrap();
        let (e, msg) = load_err(&dir);
        assert_eq!(e.count(), 1, "{name}: {msg}");
        assert_has(&msg, "people.csv:6: field `district`: found \"D99\"");
    }
}

/// Regression: an invalid Shift_JIS byte gave no line or byte offset.
#[test]
fn an_invalid_shift_jis_byte_is_located_by_line_and_byte_offset() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    let text = fs::read_to_string(&people).unwrap();
    let (mut bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!lossy);
    let mut bytes = bytes.to_mut().clone();
    // 0x81 0x20 is not a Shift_JIS character: put it at the start of line 4.
    let offset = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(2)
        .unwrap()
        .0
        + 1;
    bytes.splice(offset..offset, [0x81, 0x20]);
    fs::write(&people, &bytes).unwrap();
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(
        &msg,
        &format!(
            "people.csv:4: expected Shift_JIS or UTF-8 text (an invalid byte at byte offset {offset}"
        ),
    );
}

/// Regression: a UTF-16 file was told to set `csv_encoding`.
#[test]
fn a_utf16_file_is_named_as_such() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    let text = fs::read_to_string(&people).unwrap();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [
        [&[0xFF, 0xFE][..], &le].concat(),
        [&[0xFE, 0xFF][..], &be].concat(),
        le.clone(),
    ] {
        fs::write(&people, &bytes).unwrap();
        let (e, msg) = load_err(&dir);
        assert_eq!(e.count(), 1, "{msg}");
        assert_has(&msg, "this file is UTF-16");
        assert_has(&msg, "save it as UTF-8");
        assert_lacks(&msg, "csv_encoding");
    }
}

/// Regression: the header said "100 problem(s) found" when 174 were found.
#[test]
fn the_count_of_all_problems_is_given() {
    let (_t, dir) = sample();
    let rec = dir.join(mapdir::WATCH_RECORDS);
    for line in 2..=175 {
        set_field(&rec, line, 3, "telepathy");
    }
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 174);
    assert_eq!(e.errors.len(), MAX_ERRORS);
    assert_has(&msg, "174 problems found, the first 100 shown");
}

/// Regression: one row gave one error per bad field and per shifted field.
#[test]
fn each_row_gives_at_most_one_error() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    set_field(&people, 2, 1, "D99");
    set_field(&people, 2, 4, "not a date");
    set_field(&people, 2, 11, "flying");
    set_field(&people, 2, 24, "maybe");
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(&msg, "people.csv:2: field `district`");
}

/// No error message ever holds the value of a personal field: every personal column of every
/// row is replaced by an invalid marker value, in many seeded combinations.
#[test]
fn no_error_shows_a_personal_value() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    let original = fs::read_to_string(&people).unwrap();
    let header: Vec<String> = original
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let personal: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| mimamori::io::is_personal_field(h))
        .map(|(i, _)| i)
        .collect();
    assert!(personal.len() >= 20, "{header:?}");
    let mut rng = mimamori::rng::Rng::new(4);
    for case in 0..60 {
        let marker = format!("SECRET{case}X");
        let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
        for line in lines.iter_mut().skip(1) {
            if rng.below(3) == 0 {
                let mut f: Vec<String> = line.split(',').map(str::to_owned).collect();
                let col = personal[rng.below(personal.len())];
                f[col] = marker.clone();
                *line = f.join(",");
            }
        }
        fs::write(&people, lines.join("\n") + "\n").unwrap();
        if let Err(e) = load(&dir) {
            let msg = e.to_string();
            assert_lacks(&msg, &marker);
            assert_lacks(&msg, "SECRET");
        }
    }
}

// ------------------------------------------------------------------ point 5: garbage

/// Regression: a 50 MB garbage tail took 21 s and 3.3 GB before failing. Reading now stops
/// after STOP_AFTER problems (a few MB here; the 50 MB figure is in the report).
#[test]
fn a_garbage_tail_stops_reading_early() {
    let (_t, dir) = sample();
    let people = dir.join(mapdir::PEOPLE);
    let mut text = fs::read_to_string(&people).unwrap();
    let mut rng = mimamori::rng::Rng::new(50);
    // Printable garbage (valid UTF-8, so it reaches the CSV reader): commas, quotes, newlines.
    let alphabet = b"abcXYZ019 ,,,;\n\n\"'";
    let mut tail = Vec::with_capacity(3 << 20);
    for _ in 0..(3 << 20) {
        tail.push(alphabet[rng.below(alphabet.len())]);
    }
    text.push_str(std::str::from_utf8(&tail).unwrap());
    fs::write(&people, &text).unwrap();
    let (e, msg) = load_err(&dir);
    assert!(e.count() <= STOP_AFTER + 1, "{}", e.count());
    assert!(e.errors.len() <= MAX_ERRORS);
    // Either an open quote swallowed the rest (one error) or the reader stopped.
    assert!(
        msg.contains("closing quote") || (e.stopped && msg.contains("reading stopped")),
        "{msg}"
    );
    // Binary garbage fails at decoding, with its offset.
    let mut bytes = fs::read(dir.join(mapdir::VOLUNTEERS)).unwrap();
    let at = bytes.len();
    bytes.extend((0..(1 << 20)).map(|_| rng.below(256) as u8));
    fs::write(dir.join(mapdir::VOLUNTEERS), &bytes).unwrap();
    fs::write(
        &people,
        fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district/people.csv"),
        )
        .unwrap(),
    )
    .unwrap();
    let (e, msg) = load_err(&dir);
    assert_eq!(e.count(), 1, "{msg}");
    assert_has(&msg, "volunteers.csv:");
    assert_has(&msg, "an invalid byte at byte offset");
    let off: usize = msg
        .split("byte offset ")
        .nth(1)
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(off >= at, "offset {off} inside the valid part ({at} bytes)");
}

// ------------------------------------------------------------------ the command line

fn mimamori(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Regression: `report annual --fiscal-year 10000` panicked (src/report.rs:50).
#[test]
fn report_annual_with_an_absurd_fiscal_year_is_an_error_not_a_panic() {
    for fy in ["10000", "-5", "23"] {
        let (ok, err) = mimamori(&[
            "report",
            "annual",
            "maps/sample-district",
            &format!("--fiscal-year={fy}"),
        ]);
        assert!(!ok, "{fy}: {err}");
        assert_lacks(&err, "panicked");
        assert_has(
            &err,
            &format!("fiscal year {fy}: expected a year from 2000 to 2099"),
        );
    }
    let (ok, err) = mimamori(&[
        "report",
        "annual",
        "maps/sample-district",
        "--fiscal-year",
        "2023",
        "--json",
    ]);
    assert!(ok, "{err}");
}

/// Regression: `--as-of 1900` was accepted.
#[test]
fn plan_with_an_as_of_date_out_of_range_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (ok, err) = mimamori(&[
        "plan",
        "maps/sample-district",
        "--as-of",
        "1900-01-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert_has(
        &err,
        "--as-of 1900-01-01: expected a date from 2000-01-01 to 2100-12-31",
    );
    assert!(!out.exists(), "nothing is written");
    // An as-of date before the records: each later record is named, no plan is drafted.
    let (ok, err) = mimamori(&[
        "plan",
        "maps/sample-district",
        "--as-of",
        "2023-05-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert_has(&err, "cannot be after the as-of date 2023-05-01");
    // One root cause, one error: the first record out of range and the count of all.
    assert_has(&err, "1 problem found");
    assert_has(
        &err,
        "watch_records.csv:84: field `date`: found \"2023-05-02\"",
    );
    assert_has(&err, "1118 records in all are outside this range");
    assert!(!out.exists(), "nothing is written");
}
