//! Sharing good practice (issue 14): bundles leak no roster value and are k-anonymous (checked
//! by recounting), the anonymizer against a brute-force reference on the same ladder,
//! determinism, tampering, and a district with more car owners found better, its arrangement
//! suggested elsewhere and the suggested pin covering the person when planned.

mod common;

use common::town::*;
use mimamori::io::mapdir::load_map;
use mimamori::model::*;
use mimamori::plan::Scenario;
use mimamori::plan::engine::{PlanParams, PlanRun, Planner, plan};
use mimamori::rng::Rng;
use mimamori::share::kanon::{self, HazardBand, LEVELS, RawQi};
use mimamori::share::{self, Bundle, ShareError, ShareParams, compare, suggest};
use std::collections::BTreeMap;
use std::path::Path;

fn map_dir(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(name)
}

/// Every released combination of the bundle's quasi-identifiers, recounted from its text.
fn qi_counts(text: &str) -> BTreeMap<Vec<String>, usize> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let qis: Vec<String> = v["quasi_identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_str().unwrap().to_owned())
        .collect();
    let mut counts = BTreeMap::new();
    for p in v["patterns"].as_array().unwrap() {
        let key: Vec<String> = qis
            .iter()
            .map(|q| {
                p.get(q)
                    .unwrap_or_else(|| panic!("pattern lacks {q}"))
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// The values of the personal columns of a roster CSV (coordinates to 4 decimals).
fn personal_values(path: &Path, columns: &[&str], coords: &[&str]) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    let idx = |c: &str| headers.iter().position(|h| h == c).unwrap();
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for c in columns {
            let v = rec.get(idx(c)).unwrap().trim();
            if !v.is_empty() {
                out.push(v.to_owned());
            }
        }
        for c in coords {
            let v: f64 = rec.get(idx(c)).unwrap().parse().unwrap();
            out.push(format!("{v:.4}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn bundles_of_every_district_of_the_city_leak_no_roster_value_and_are_k_anonymous() {
    let dir = map_dir("asahikawa-synthetic");
    let map = load_map(&dir).unwrap();
    let g = graph(&map);
    let scenario = Scenario::default();
    let run = plan(&map, &g, &scenario, &PlanParams::default(), AS_OF).unwrap();
    let mut personal = personal_values(
        &dir.join("people.csv"),
        &[
            "id",
            "name",
            "kana",
            "birth_date",
            "address",
            "phone",
            "contact1_name",
            "contact1_phone",
            "contact2_name",
            "contact2_phone",
            "daytime_place",
            "notes",
        ],
        &["lon", "lat"],
    );
    personal.extend(personal_values(
        &dir.join("volunteers.csv"),
        &["id", "name", "phone"],
        &["lon", "lat"],
    ));
    assert!(personal.len() > 10_000, "{}", personal.len());
    let sp = ShareParams::default();
    let mut released = 0;
    for k in [5, 7] {
        for d in &map.districts {
            let b = share::export(&map, &run, &scenario, &d.code, k, None, &sp).unwrap();
            let text = b.to_json();
            for v in &personal {
                assert!(
                    !text.contains(v.as_str()),
                    "bundle of {} contains a roster value",
                    d.code
                );
            }
            for (key, n) in qi_counts(&text) {
                assert!(n >= k, "{}: {key:?} occurs {n} < {k} times", d.code);
            }
            // Only people who consented to sharing contribute a pattern, all of them but the
            // suppressed; the aggregates count everyone.
            let sharing = run
                .plans
                .iter()
                .filter(|p| p.district == d.code && p.needs_help && p.consent_share)
                .count();
            let need_help = run
                .plans
                .iter()
                .filter(|p| p.district == d.code && p.needs_help)
                .count();
            assert_eq!(b.suppressed.eligible, sharing);
            assert_eq!(b.patterns.len() + b.suppressed.records, sharing);
            assert_eq!(b.aggregates.need_help, need_help);
            assert_eq!(b.suppressed.not_consented, need_help - sharing);
            assert_eq!(b.quasi_identifiers, share::QUASI_IDENTIFIERS);
            released += b.patterns.len();
        }
    }
    assert!(released > 100, "{released} patterns released");
}

/// One small district: `n` identical walkers with a helper each; the first `no_share` did not
/// consent to sharing.
fn small_district(mobilities: &[Mobility], no_share: usize) -> (Map, PlanRun) {
    let mut m = town_of(&["X"], grid_roads_at("X", 0.0, 6));
    m.shelters.push(shelter_at("SX", 0.0, 0.0));
    for (i, mob) in mobilities.iter().enumerate() {
        let mut p = person_in(0, &format!("PX{i:02}"), 100.0 * (i % 5) as f64, 100.0, *mob);
        p.consent.share = i >= no_share;
        m.people.push(p);
        for j in 0..2 {
            let car = if j == 0 { vec![Skill::Car] } else { vec![] };
            m.volunteers.push(helper_in(
                0,
                &format!("VX{i:02}{j}"),
                100.0 * (i % 5) as f64,
                200.0,
                &car,
            ));
        }
    }
    let g = graph(&m);
    let run = plan(&m, &g, &leave_all(), &PlanParams::default(), AS_OF).unwrap();
    (m, run)
}

#[test]
fn a_district_where_k_cannot_be_met_is_suppressed_not_leaked() {
    use Mobility::*;
    let (m, run) = small_district(&[WalksAlone, Wheelchair, Bedridden], 0);
    let b = share::export(
        &m,
        &run,
        &leave_all(),
        "X",
        5,
        None,
        &ShareParams::default(),
    )
    .unwrap();
    assert!(b.patterns.is_empty(), "{:?}", b.patterns);
    assert_eq!(b.suppressed.records, 3);
    assert_eq!(b.aggregates.need_help, 3);
    let text = b.to_json();
    for p in &m.people {
        assert!(!text.contains(&p.ext_id) && !text.contains(&p.name));
    }
    for v in &m.volunteers {
        assert!(!text.contains(&v.ext_id) && !text.contains(&v.name));
    }
}

#[test]
fn people_without_consent_to_sharing_count_in_the_aggregates_only() {
    let (m, run) = small_district(&[Mobility::WalksWithHelp; 7], 2);
    let b = share::export(
        &m,
        &run,
        &leave_all(),
        "X",
        5,
        None,
        &ShareParams::default(),
    )
    .unwrap();
    assert_eq!(b.patterns.len(), 5);
    assert_eq!(b.suppressed.not_consented, 2);
    assert_eq!(b.aggregates.need_help, 7);
    assert_eq!(b.aggregates.covered, 7);
    assert_eq!(
        b.generalised.level, 0,
        "five identical people need no generalisation"
    );
}

#[test]
fn k_below_five_is_refused() {
    let (m, run) = small_district(&[Mobility::WalksAlone; 5], 0);
    for k in [0, 1, 4] {
        let e = share::export(
            &m,
            &run,
            &leave_all(),
            "X",
            k,
            None,
            &ShareParams::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ShareError::KTooSmall { .. }), "{e}");
        assert!(e.to_string().contains("at least") || e.to_string().contains("k ≥ 5"));
    }
    assert!(
        share::export(
            &m,
            &run,
            &leave_all(),
            "X",
            6,
            None,
            &ShareParams::default()
        )
        .is_ok()
    );
}

fn random_qi(rng: &mut Rng) -> RawQi {
    let hazard = match rng.below(4) {
        0 => HazardBand::None,
        1 => HazardBand::Zone,
        2 => HazardBand::Landslide,
        _ => HazardBand::Depth(1 + rng.below(6) as u8),
    };
    RawQi {
        age: 60 + rng.below(40) as i32,
        sex: *rng.pick(&[Sex::Female, Sex::Male]),
        mobility: *rng.pick(Mobility::ALL),
        household: *rng.pick(Household::ALL),
        district: rng.pick(&["A", "B"]).to_string(),
        hazard,
    }
}

/// The reference: count each record's equals by a scan at every step and apply the stated rule.
fn brute_force(qis: &[RawQi], k: usize, share: f64) -> (u8, Vec<bool>) {
    let mut best: Option<(u8, Vec<bool>, usize)> = None;
    for level in 0..LEVELS {
        let keys: Vec<_> = qis.iter().map(|q| kanon::generalise(level, q)).collect();
        let kept: Vec<bool> = keys
            .iter()
            .map(|a| keys.iter().filter(|b| *b == a).count() >= k)
            .collect();
        let s = kept.iter().filter(|x| !**x).count();
        if s as f64 <= share * qis.len() as f64 {
            return (level, kept);
        }
        if best.as_ref().is_none_or(|b| s < b.2) {
            best = Some((level, kept, s));
        }
    }
    let (l, kept, _) = best.unwrap();
    (l, kept)
}

#[test]
fn the_anonymizer_matches_a_brute_force_reference_on_the_same_ladder() {
    let mut rng = Rng::new(14);
    for case in 0..400 {
        let n = rng.below(40);
        // Few distinct values in some cases, so that lower steps can succeed.
        let narrow = rng.chance(0.5);
        let qis: Vec<RawQi> = (0..n)
            .map(|_| {
                let mut q = random_qi(&mut rng);
                if narrow {
                    q.sex = Sex::Female;
                    q.district = "A".into();
                    q.mobility = Mobility::Wheelchair;
                    q.age = 80 + rng.below(4) as i32;
                }
                q
            })
            .collect();
        let k = 5 + rng.below(4);
        let share = *rng.pick(&[0.0, 0.1, 0.3]);
        let a = kanon::anonymize(&qis, k, share);
        let (level, kept) = brute_force(&qis, k, share);
        assert_eq!((a.level, &a.kept), (level, &kept), "case {case}");
        assert_eq!(a.suppressed, kept.iter().filter(|x| !**x).count());
        // Released records are k-anonymous, recounted.
        let released: Vec<_> = qis
            .iter()
            .zip(&a.kept)
            .filter(|(_, k)| **k)
            .map(|(q, _)| kanon::generalise(a.level, q))
            .collect();
        for r in &released {
            assert!(
                released.iter().filter(|s| *s == r).count() >= k,
                "case {case}"
            );
        }
        // Minimal: no lower step meets the suppression limit.
        for lower in 0..a.level {
            let keys: Vec<_> = qis.iter().map(|q| kanon::generalise(lower, q)).collect();
            let s = keys
                .iter()
                .filter(|x| keys.iter().filter(|y| y == x).count() < k)
                .count();
            assert!(
                s as f64 > share * n as f64,
                "case {case}: step {lower} suffices"
            );
        }
        // The ladder only coarsens: equal at one step, equal at every later one.
        for i in 0..n.min(10) {
            for j in 0..n.min(10) {
                for l in 0..LEVELS - 1 {
                    if kanon::generalise(l, &qis[i]) == kanon::generalise(l, &qis[j]) {
                        assert_eq!(
                            kanon::generalise(l + 1, &qis[i]),
                            kanon::generalise(l + 1, &qis[j])
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn bundles_and_the_comparison_are_byte_identical_run_to_run() {
    let dir = map_dir("sample-district");
    let sp = ShareParams::default();
    let once = || {
        let map = load_map(&dir).unwrap();
        let g = graph(&map);
        let sc = Scenario::default();
        let run = plan(&map, &g, &sc, &PlanParams::default(), AS_OF).unwrap();
        let bundles: Vec<(String, Bundle)> = map
            .districts
            .iter()
            .map(|d| {
                let b = share::export(&map, &run, &sc, &d.code, 5, None, &sp).unwrap();
                (d.code.clone(), b)
            })
            .collect();
        let c = compare::compare(&bundles, &sp).unwrap();
        let mut out: Vec<String> = bundles.iter().map(|(_, b)| b.to_json()).collect();
        out.push(serde_json::to_string_pretty(&c).unwrap());
        out.push(mimamori::render::share::compare_page(&c, Lang::Ja));
        out
    };
    let (a, b) = (once(), once());
    assert_eq!(a, b);
    assert!(a[0].contains("\"hash\""));
}

#[test]
fn a_tampered_or_foreign_bundle_is_refused_naming_the_file() {
    let (m, run) = small_district(&[Mobility::WalksWithHelp; 6], 0);
    let b = share::export(
        &m,
        &run,
        &leave_all(),
        "X",
        5,
        None,
        &ShareParams::default(),
    )
    .unwrap();
    let text = b.to_json();
    let back = Bundle::from_json(&text, "x.json").unwrap();
    assert_eq!(back, b);
    let tampered = [
        text.replacen("\"covered\": true", "\"covered\": false", 1),
        text.replacen("\"need_help\": 6", "\"need_help\": 7", 1),
        text.replacen("\"k\": 5", "\"k\": 6", 1),
        text.replacen(&b.hash, &"0".repeat(64), 1),
    ];
    for t in &tampered {
        assert_ne!(t, &text);
        let e = Bundle::from_json(t, "bundles/X.json").unwrap_err();
        assert!(matches!(e, ShareError::Tampered { .. }), "{e}");
        assert!(e.to_string().contains("bundles/X.json"), "{e}");
    }
    let e = Bundle::from_json(
        &text.replacen("\"format_version\": 1", "\"format_version\": 2", 1),
        "old.json",
    )
    .unwrap_err();
    assert!(
        matches!(e, ShareError::Version { .. }) && e.to_string().contains("old.json"),
        "{e}"
    );
    let e = Bundle::from_json("[1, 2]", "junk.json").unwrap_err();
    assert!(e.to_string().contains("junk.json"), "{e}");
}

#[test]
fn bundles_of_different_scenarios_are_not_compared() {
    let (m, run) = small_district(&[Mobility::WalksWithHelp; 6], 0);
    let sp = ShareParams::default();
    let a = share::export(&m, &run, &leave_all(), "X", 5, None, &sp).unwrap();
    let night = Scenario {
        time_of_day: mimamori::plan::TimeOfDay::Night,
        ..leave_all()
    };
    let mut b = share::export(&m, &run, &night, "X", 5, None, &sp).unwrap();
    b.district = "Y".into();
    let e = compare::compare(&[("a.json".into(), a), ("b.json".into(), b)], &sp).unwrap_err();
    assert!(matches!(e, ShareError::ScenarioMismatch { .. }), "{e}");
    assert!(e.to_string().contains("a.json") && e.to_string().contains("b.json"));
}

/// Two districts 20 km apart, each with its own streets and shelter: A has 8 bedridden people,
/// 6 who walk with help, 16 helpers without a car and 1 with; B has 8 bedridden people and 16
/// helpers, 8 of them with a car.
fn two_districts() -> Map {
    let mut roads = grid_roads_at("A", 0.0, 6);
    roads.extend(grid_roads_at("B", 20_000.0, 6));
    let mut m = town_of(&["A", "B"], roads);
    m.shelters.push(shelter_at("SA", 250.0, 250.0));
    m.shelters.push(shelter_at("SB", 20_250.0, 250.0));
    for (d, x0, code) in [(0u32, 0.0, "A"), (1, 20_000.0, "B")] {
        for i in 0..8 {
            let (x, y) = (x0 + 100.0 * (i % 4) as f64, 100.0 * (i / 4) as f64);
            m.people.push(person_in(
                d,
                &format!("P{code}B{i}"),
                x,
                y,
                Mobility::Bedridden,
            ));
        }
        for i in 0..16 {
            let (x, y) = (x0 + 100.0 * (i % 4) as f64, 300.0 + 100.0 * (i / 8) as f64);
            let car = d == 1 && i % 2 == 0;
            let skills = if car { vec![Skill::Car] } else { vec![] };
            m.volunteers
                .push(helper_in(d, &format!("V{code}{i:02}"), x, y, &skills));
        }
    }
    for i in 0..6 {
        m.people.push(person_in(
            0,
            &format!("PAW{i}"),
            100.0 * i as f64 % 500.0,
            500.0,
            Mobility::WalksWithHelp,
        ));
    }
    m.volunteers
        .push(helper_in(0, "VACAR", 200.0, 200.0, &[Skill::Car]));
    m
}

#[test]
fn more_car_owners_is_found_better_and_its_arrangement_covers_a_person_elsewhere() {
    let map = two_districts();
    let sc = leave_all();
    let sp = ShareParams::default();
    let g = graph(&map);
    let run = plan(&map, &g, &sc, &PlanParams::default(), AS_OF).unwrap();
    let covered = |d: &str, mob: Mobility| {
        run.plans
            .iter()
            .filter(|p| p.district == d && p.mobility == mob && p.covered)
            .count()
    };
    // The premise: B covers its bedridden people, A (one driver) at most one.
    assert_eq!(covered("B", Mobility::Bedridden), 8);
    assert!(covered("A", Mobility::Bedridden) <= 1);
    assert_eq!(covered("A", Mobility::WalksWithHelp), 6);

    let bundles: Vec<(String, Bundle)> = ["A", "B"]
        .iter()
        .map(|d| {
            let b = share::export(&map, &run, &sc, d, 5, None, &sp).unwrap();
            (format!("{d}.json"), b)
        })
        .collect();
    let c = compare::compare(&bundles, &sp).unwrap();
    let cat = c
        .categories
        .iter()
        .find(|c| c.code == "two_helpers_leave")
        .unwrap();
    let better: Vec<&str> = cat.better.iter().map(|b| b.district.as_str()).collect();
    assert_eq!(better, ["B"], "{cat:?}");
    let b = &cat.better[0];
    assert!(b.wilson_low > b.rest_wilson_high);
    let vehicle = b
        .differences
        .iter()
        .find(|d| d.feature == "vehicle")
        .expect("the car is named as a difference");
    assert_eq!(vehicle.district_share, 1.0);
    assert!(vehicle.rest_share <= 0.125);
    assert!(c.statistic.contains("Wilson"));
    for lang in [Lang::Ja, Lang::En] {
        let html = mimamori::render::share::compare_page(&c, lang);
        assert!(
            html.contains("<svg") && !html.contains("<script"),
            "{lang:?}"
        );
    }
    let ja = mimamori::render::share::compare_page(&c, Lang::Ja);
    assert!(
        ja.contains("B: 8人中8人を確保"),
        "the good practice is on the page"
    );
    // Text from a bundle reaches the page escaped.
    let mut evil = c.clone();
    evil.scenario.name = "<b>x</b>".into();
    let html = mimamori::render::share::compare_page(&evil, Lang::En);
    assert!(
        !html.contains("<b>x</b>") && html.contains("x&#60;/b&#62;"),
        "{html}"
    );

    // Suggestions for A from B's bundle, checked by re-planning.
    let planner = Planner::new(map.clone(), graph(&map), PlanParams::default());
    let planned = planner.plan(&sc, AS_OF, None, &mut |_, _| {}).unwrap();
    let others: Vec<Bundle> = bundles.iter().map(|(_, b)| b.clone()).collect();
    let r = suggest::suggest(&planner, &planned, "A", &others, &sp).unwrap();
    assert!(r.uncovered >= 7, "{r:?}");
    let bedridden: Vec<_> = r
        .people
        .iter()
        .filter(|p| p.mobility == "bedridden")
        .collect();
    assert!(!bedridden.is_empty());
    for p in &bedridden {
        let e = &p.elsewhere[0];
        assert_eq!(e.district, "B");
        assert_eq!((e.like_this, e.covered), (8, 8));
        assert!(e.arrangement.vehicle && e.arrangement.helpers == 2, "{e:?}");
        assert!(e.text_en.contains("8 of 8"), "{}", e.text_en);
        assert!(
            p.trials.iter().all(|t| t.helper == "VACAR"),
            "{:?}",
            p.trials
        );
    }
    assert!(!r.pins.is_empty(), "{r:?}");
    let csv = suggest::pins_csv(&r);
    assert!(csv.starts_with("person_id,helper_id,destination_id,note\n"));
    // The planner, given the proposed pin, covers the person with the car owner.
    for pin in &r.pins {
        assert_eq!(pin.helper, "VACAR");
        let mut pinned = map.clone();
        pinned.pins.push(Pin {
            person: pinned.find_person(&pin.person).unwrap(),
            helper: pinned.find_volunteer(&pin.helper),
            destination: None,
            note: String::new(),
        });
        let again = plan(&pinned, &g, &sc, &PlanParams::default(), AS_OF).unwrap();
        let p = again.plans.iter().find(|p| p.person == pin.person).unwrap();
        assert!(p.covered, "{:?}", p.reasons);
        assert!(p.primary_helpers().any(|h| h.id == "VACAR"));
    }
}

/// `share export --db`: the bundle's `statuses` count the district's people by their stored
/// plan status (one set to 作成中 here, the rest 未着手), and the hash still verifies.
#[test]
fn export_with_a_database_counts_plan_statuses() {
    use mimamori::store::{ImportOptions, PlanStatus, ReviewPolicy, Store};
    let dir = tempfile::tempdir().unwrap();
    let map_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    let db = dir.path().join("m.db");
    let now = time::macros::datetime!(2026-12-01 10:00 UTC);
    let map = load_map(&map_dir).unwrap();
    let district = map.districts[0].code.clone();
    let people: Vec<String> = map
        .people
        .iter()
        .filter(|p| map.district(p.district).code == district)
        .map(|p| p.ext_id.clone())
        .collect();
    {
        let mut store = Store::open(&db).unwrap();
        store
            .import_map_dir(&map_dir, None, &ImportOptions::default(), now, "t")
            .unwrap();
        store
            .set_status(
                &people[0],
                PlanStatus::Drafting,
                "",
                now,
                "t",
                &ReviewPolicy::default(),
            )
            .unwrap();
    }
    let out = dir.path().join("b.json");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(["share", "export"])
        .arg(&map_dir)
        .args(["--district", &district, "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let b = Bundle::from_json(&text, "b.json").expect("the hash verifies");
    let statuses = b.aggregates.statuses.expect("statuses with --db");
    assert_eq!(statuses.values().sum::<usize>(), people.len());
    assert_eq!(statuses.get(PlanStatus::Drafting.code()), Some(&1));
    assert_eq!(
        statuses.get(PlanStatus::NotStarted.code()),
        Some(&(people.len() - 1))
    );
    // A mistyped database path is an error, and no file is created.
    let missing = dir.path().join("nope.db");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(["share", "export"])
        .arg(&map_dir)
        .args(["--district", &district, "--db"])
        .arg(&missing)
        .arg("--out")
        .arg(dir.path().join("c.json"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(!missing.exists());
}
