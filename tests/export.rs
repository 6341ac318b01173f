//! `mimamori export`: the workbook read back (header row, rows per district counted from the
//! map, one person's cells), the Shift_JIS CSV decoding to the same rows, plan columns empty
//! without consent to a plan, unmappable characters reported without their value, and the
//! audit entry of an export from a database.

use calamine::{Data, Reader, Xlsx};
use mimamori::export::{
    self, CsvEncoding, ExportContext, ExportError, ExportTable, Part, ScenarioPlans,
};
use mimamori::model::{HazardType, Lang, Map};
use mimamori::network::{GraphParams, RoadGraph};
use mimamori::plan::engine::{PlanParams, PlanRun, plan};
use mimamori::plan::{Method, Scenario};
use mimamori::spatial::Frame;
use mimamori::synth::{Preset, generate};
use std::collections::BTreeMap;
use std::io::Cursor;

/// A small city of four districts.
fn town() -> Map {
    let mut p = Preset::sample_district();
    p.districts_x = 2;
    p.districts_y = 2;
    p.people = 60;
    p.helpers = 60;
    generate(&p, 7, None)
}

fn run(map: &Map, scenario: &Scenario) -> PlanRun {
    let g = RoadGraph::build(&map.roads, Frame::for_map(map), GraphParams::default()).unwrap();
    plan(
        map,
        &g,
        scenario,
        &PlanParams::default(),
        map.meta.as_of.unwrap(),
    )
    .unwrap()
}

fn ctx(map: &Map) -> ExportContext {
    ExportContext {
        as_of: map.meta.as_of,
        ..Default::default()
    }
}

fn table(map: &Map, runs: &[(&Scenario, &PlanRun)], lang: Lang) -> ExportTable {
    let s: Vec<ScenarioPlans> = runs
        .iter()
        .map(|(s, r)| ScenarioPlans {
            hazard: s.hazard,
            scenario: &s.name,
            scenario_en: &s.name_en,
            plans: &r.plans,
        })
        .collect();
    export::build(map, &s, &ctx(map), lang)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every worksheet's rows as text, by worksheet name.
fn read_xlsx(bytes: Vec<u8>) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let width = range.width();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                let mut v: Vec<String> = r.iter().map(cell_text).collect();
                v.resize(width, String::new());
                v
            })
            .collect();
        out.insert(name, rows);
    }
    out
}

fn col(t: &ExportTable, key: &str) -> usize {
    t.columns.iter().position(|c| c.key == key).unwrap()
}

#[test]
fn the_workbook_reads_back_with_its_headers_rows_per_district_and_a_persons_cells() {
    let map = town();
    let scenario = Scenario::default();
    let r = run(&map, &scenario);
    let t = table(&map, &[(&scenario, &r)], Lang::Ja);
    let sheets = read_xlsx(export::to_xlsx(&t).unwrap());
    assert_eq!(sheets.len(), map.districts.len());
    // Rows per district, counted from the roster.
    let mut want: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &map.people {
        *want
            .entry(map.district(p.district).code.as_str())
            .or_default() += 1;
    }
    let headers: Vec<String> = [
        "対象者番号",
        "地区コード",
        "地区名",
        "氏名",
        "ふりがな",
        "住所",
        "生年月日",
    ]
    .map(String::from)
    .to_vec();
    let mut seen_people = 0;
    for d in &map.districts {
        let (name, rows) = sheets
            .iter()
            .find(|(n, _)| n.starts_with(&d.code))
            .unwrap_or_else(|| panic!("no worksheet for {}", d.code));
        assert!(name.chars().count() <= 31);
        assert_eq!(rows[0][..headers.len()], headers[..], "{name}");
        assert_eq!(rows[0].len(), t.columns.len());
        assert!(rows[0].iter().any(|h| h == "避難先（洪水）"));
        assert!(rows[0].iter().any(|h| h == "避難支援等実施者1 住所"));
        assert_eq!(rows.len() - 1, want[d.code.as_str()], "{name}");
        // Every row is a person of this district, each once.
        for row in &rows[1..] {
            let p = map.person(map.find_person(&row[0]).unwrap());
            assert_eq!(map.district(p.district).code, d.code);
        }
        seen_people += rows.len() - 1;
    }
    assert_eq!(seen_people, map.people.len());
    // One covered person with a plan: their cells from the map and the plan.
    let plan = r
        .plans
        .iter()
        .find(|p| p.primary_helpers().count() > 0)
        .expect("a person with a helper");
    let person = map.person(map.find_person(&plan.person).unwrap());
    let d = &map.district(person.district).code;
    let rows = sheets
        .iter()
        .find(|(n, _)| n.starts_with(d.as_str()))
        .unwrap()
        .1;
    let row = rows.iter().find(|r| r[0] == plan.person).unwrap();
    assert_eq!(row[col(&t, "name")], person.name);
    assert_eq!(row[col(&t, "kana")], person.kana);
    assert_eq!(row[col(&t, "address")], person.address);
    assert_eq!(row[col(&t, "birth_date")], person.birth_date.to_string());
    assert_eq!(row[col(&t, "phone")], person.phone);
    assert_eq!(row[col(&t, "consent_plan")], "同意");
    assert_eq!(row[col(&t, "family_doctor")], person.family_doctor);
    assert_eq!(
        row[col(&t, "commissioner")],
        map.district(person.district).commissioner
    );
    let h = plan.primary_helpers().next().unwrap();
    let v = map.volunteer(map.find_volunteer(&h.id).unwrap());
    assert_eq!(row[col(&t, "helper1_name")], v.name);
    assert_eq!(row[col(&t, "helper1_address")], v.address);
    assert!(!v.address.is_empty());
    assert_eq!(row[col(&t, "helper1_phone")], v.phone);
    if let (Some(d), Method::Walk | Method::Wheelchair | Method::Car) =
        (&plan.destination, plan.method)
    {
        assert_eq!(row[col(&t, "destination:flood")], d.name);
    }
    assert_eq!(row[col(&t, "method:flood")], plan.method.label(Lang::Ja));
    assert_eq!(row[col(&t, "drafted")], plan.drafted);
}

#[test]
fn the_shift_jis_csv_decodes_to_the_same_rows_as_the_utf8_csv() {
    let map = town();
    let scenario = Scenario::default();
    let r = run(&map, &scenario);
    for lang in [Lang::Ja, Lang::En] {
        let t = table(&map, &[(&scenario, &r)], lang);
        let utf8 = export::to_csv(&t, CsvEncoding::Utf8Bom).unwrap();
        assert!(utf8.starts_with("\u{feff}".as_bytes()));
        let sjis = export::to_csv(&t, CsvEncoding::ShiftJis).unwrap();
        assert_ne!(utf8, sjis);
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!bad);
        let parse = |s: &str| -> Vec<Vec<String>> {
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(s.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(String::from).collect())
                .collect()
        };
        let a = parse(std::str::from_utf8(&utf8[3..]).unwrap());
        let b = parse(&text);
        assert_eq!(a, b);
        // The rows are the table's, header first.
        assert_eq!(a.len(), map.people.len() + 1);
        assert_eq!(a[0], t.headers());
        let rows: Vec<&Vec<String>> = t.districts.iter().flat_map(|d| &d.rows).collect();
        for (got, want) in a[1..].iter().zip(rows) {
            assert_eq!(got, want);
        }
    }
}

#[test]
fn plan_columns_are_empty_for_people_without_consent_to_a_plan() {
    let mut map = town();
    // Make sure both kinds exist, whatever the seed drew.
    map.people[0].consent.plan = false;
    map.people[0].family_doctor = "某医院".into();
    map.people[1].consent.plan = true;
    let scenario = Scenario::default();
    let r = run(&map, &scenario);
    let t = table(&map, &[(&scenario, &r)], Lang::Ja);
    let sheets = read_xlsx(export::to_xlsx(&t).unwrap());
    let all: Vec<&Vec<String>> = sheets.values().flat_map(|rows| &rows[1..]).collect();
    let mut checked = (0, 0);
    for p in &map.people {
        let row = all.iter().find(|r| r[0] == p.ext_id).unwrap();
        for (c, v) in t.columns.iter().zip(row.iter()) {
            if c.part == Part::Plan && !p.consent.plan {
                assert_eq!(v, "", "{} {}", p.ext_id, c.key);
            }
        }
        if p.consent.plan {
            // Consented: at least the per-hazard method and the dates are filled.
            assert!(!row[col(&t, "method:flood")].is_empty(), "{}", p.ext_id);
            assert!(!row[col(&t, "updated")].is_empty());
            checked.0 += 1;
        } else {
            // The register part is there all the same.
            assert_eq!(row[col(&t, "name")], p.name);
            assert_eq!(row[col(&t, "consent_plan")], "不同意");
            checked.1 += 1;
        }
    }
    assert!(checked.0 > 0 && checked.1 > 0, "{checked:?}");
}

#[test]
fn several_scenarios_give_one_set_of_columns_per_hazard() {
    let map = town();
    let flood = Scenario::default();
    let slide = Scenario {
        name: "土砂".into(),
        hazard: HazardType::Landslide,
        ..Scenario::default()
    };
    let (rf, rs) = (run(&map, &flood), run(&map, &slide));
    let t = table(&map, &[(&flood, &rf), (&slide, &rs)], Lang::En);
    let heads = t.headers();
    let slide_en = HazardType::Landslide.label(Lang::En);
    for h in [
        "Destination (flood)".to_owned(),
        format!("Destination ({slide_en})"),
        format!("Method ({slide_en})"),
    ] {
        assert!(heads.contains(&h.as_str()), "{h}: {heads:?}");
    }
    let k = col(&t, "method:landslide");
    for (row, id) in t
        .districts
        .iter()
        .flat_map(|d| d.rows.iter().zip(&d.person_ids))
    {
        let want = rs
            .plans
            .iter()
            .find(|p| &p.person == id)
            .map(|p| p.method.label(Lang::En).to_owned())
            .unwrap_or_default();
        assert_eq!(row[k], want, "{id}");
    }
}

#[test]
fn characters_without_a_shift_jis_code_are_named_by_person_and_column_never_shown() {
    let mut map = town();
    map.people[3].name = "𠮷田 太郎".into();
    map.people[5].address = "旭川市💧町".into();
    let scenario = Scenario::default();
    let r = run(&map, &scenario);
    let t = table(&map, &[(&scenario, &r)], Lang::Ja);
    let e = export::to_csv(&t, CsvEncoding::ShiftJis).unwrap_err();
    assert!(matches!(e, ExportError::Unmappable { count: 2, .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("person {}, column 氏名", map.people[3].ext_id)),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("person {}, column 住所", map.people[5].ext_id)),
        "{msg}"
    );
    assert!(
        !msg.contains('𠮷') && !msg.contains("太郎") && !msg.contains('💧'),
        "{msg}"
    );
    // UTF-8 takes them.
    assert!(export::to_csv(&t, CsvEncoding::Utf8Bom).is_ok());
}

#[test]
fn an_export_from_the_database_is_audited_without_personal_values() {
    use mimamori::store::{AuditFilter, ImportOptions, Store};
    let map = generate(&Preset::sample_district(), 2023, None);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let now = time::OffsetDateTime::now_utc();
    {
        let mut s = Store::open(&db).unwrap();
        s.import_map(&map, &ImportOptions::default(), now, "tester", "test")
            .unwrap();
    }
    let out = dir.path().join("r.xlsx");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(["export", "--db"])
        .arg(&db)
        .args(["--format", "xlsx", "--user", "clerk", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let printed = String::from_utf8_lossy(&st.stdout);
    for p in &map.people {
        assert!(!printed.contains(&p.name));
    }
    let sheets = read_xlsx(std::fs::read(&out).unwrap());
    assert_eq!(
        sheets.values().map(|r| r.len() - 1).sum::<usize>(),
        map.people.len()
    );
    let s = Store::open(&db).unwrap();
    let log = s
        .audit(&AuditFilter {
            user: Some("clerk".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].entry.reason.starts_with("export"));
    assert!(log[0].entry.fields.iter().any(|f| f == "name"));
    assert!(log[0].entry.person_id.is_none());
}
