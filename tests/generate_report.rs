//! The synthetic city: the same seed gives the same bytes, the committed maps are exactly what
//! the generator writes, the seed's fiscal-2023 counts come out of counting the records, and
//! the annual report counts by fiscal year.

use mimamori::io::mapdir::{self, load_map, write_map};
use mimamori::model::{Role, WatchMethod};
use mimamori::report::annual;
use mimamori::synth::{Preset, generate};
use std::fs;
use std::path::Path;

const FILES: [&str; 8] = [
    mapdir::MAP_TOML,
    mapdir::DISTRICTS,
    mapdir::ROADS,
    mapdir::SHELTERS,
    mapdir::HAZARDS,
    mapdir::PEOPLE,
    mapdir::VOLUNTEERS,
    mapdir::WATCH_RECORDS,
];

fn committed(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(name)
}

/// Regenerates a preset with the seed the README uses and compares every file byte for byte.
fn assert_regenerates(preset: Preset, name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    write_map(tmp.path(), &generate(&preset, 2023, None)).unwrap();
    for f in FILES {
        let want = fs::read(committed(name).join(f)).unwrap();
        let got = fs::read(tmp.path().join(f)).unwrap();
        assert!(
            want == got,
            "maps/{name}/{f} differs from what `generate` writes: regenerate it"
        );
    }
}

#[test]
fn the_committed_sample_district_is_the_generators_output() {
    assert_regenerates(Preset::sample_district(), "sample-district");
}

#[test]
fn the_committed_asahikawa_is_the_generators_output() {
    assert_regenerates(Preset::asahikawa_fy2023(), "asahikawa-synthetic");
}

#[test]
fn another_seed_gives_another_city_with_the_same_counts() {
    let a = generate(&Preset::sample_district(), 1, None);
    let b = generate(&Preset::sample_district(), 2, None);
    assert_ne!(a.people, b.people);
    assert_eq!(
        (a.people.len(), a.records.len()),
        (b.people.len(), b.records.len())
    );
}

#[test]
fn the_synthetic_city_has_the_seeds_fiscal_2023_counts_by_counting() {
    let map = load_map(&committed("asahikawa-synthetic")).unwrap();
    let r = annual(&map, 2023).unwrap();
    assert_eq!(
        (
            r.districts,
            r.watched_people,
            r.helpers,
            r.caretakers,
            r.coordinators,
            r.activities
        ),
        (48, 3418, 1570, 649, 261, 124_624)
    );
    assert_eq!(r.by_method.values().sum::<usize>(), r.activities);
    assert_eq!(
        r.by_district.iter().map(|d| d.activities).sum::<usize>(),
        r.activities
    );
    // Counted independently of the report.
    assert_eq!(
        map.volunteers
            .iter()
            .filter(|v| v.has_role(Role::Helper))
            .count(),
        1570
    );
    // The city is the kind of uneven a plan must show: someone in their eighties helps,
    // someone did not consent, someone is bedridden.
    assert!(map.volunteers.iter().any(|v| 2024 - v.birth_year >= 80));
    assert!(map.people.iter().any(|p| !p.consent.plan));
    assert!(map.people.iter().any(|p| p.helpers_needed == 2));
    assert!(map.roads.iter().map(|r| r.coords.len() - 1).sum::<usize>() >= 50_000);
}

#[test]
fn the_report_counts_only_the_fiscal_year_april_to_march() {
    let mut map = generate(&Preset::sample_district(), 5, None);
    let d = |s: &str| mimamori::io::csv_in::parse_date(s).unwrap();
    // Move three records to the edges of fiscal 2023 and one outside it.
    map.records.truncate(4);
    map.records[0].date = d("2023-03-31");
    map.records[1].date = d("2023-04-01");
    map.records[2].date = d("2024-03-31");
    map.records[3].date = d("2024-04-01");
    for r in &mut map.records {
        r.method = WatchMethod::Phone;
    }
    let r = annual(&map, 2023).unwrap();
    assert_eq!(r.activities, 2);
    assert_eq!(r.by_method.get(&WatchMethod::Phone), Some(&2));
    assert_eq!(annual(&map, 2022).unwrap().activities, 1);
    assert_eq!(annual(&map, 2024).unwrap().activities, 1);
}

/// Plan progress per district adds up to the run's totals, every uncovered person is counted
/// under a reason, and the Japanese table names reasons in Japanese.
#[test]
fn plan_progress_adds_up_to_the_planning_run() {
    use mimamori::network::{GraphParams, RoadGraph};
    use mimamori::plan::{PlanParams, Scenario, plan};
    use mimamori::spatial::Frame;
    let map = load_map(&committed("sample-district")).unwrap();
    // Every volunteer away, so that the people who need a helper are uncovered.
    let sc = Scenario {
        unavailable_share: 1.0,
        ..Scenario::default()
    };
    let g = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default()).unwrap();
    let as_of = time::macros::date!(2024 - 04 - 01);
    let run = plan(&map, &g, &sc, &PlanParams::default(), as_of).unwrap();
    let pp = mimamori::report::plan_progress(&map, &run, Vec::new());
    let sum = |f: fn(&mimamori::report::ProgressRow) -> usize| -> usize {
        pp.by_district.iter().map(f).sum()
    };
    assert_eq!(sum(|r| r.people), map.people.len());
    assert_eq!(sum(|r| r.people), pp.total.people);
    assert_eq!(sum(|r| r.covered), pp.total.covered);
    assert_eq!(sum(|r| r.uncovered), pp.total.uncovered);
    assert_eq!(pp.total.covered, run.summary.total.covered);
    assert!(pp.total.uncovered > 0, "the test needs uncovered people");
    let uncovered_with_reason: usize = run
        .uncovered
        .iter()
        .filter(|u| u.reasons.iter().all(|r| r.code() != "no_consent"))
        .count();
    assert_eq!(pp.total.uncovered, uncovered_with_reason);
    let mut report = annual(&map, 2023).unwrap();
    report.plan_progress = Some(pp);
    let text = mimamori::render::text::annual_table(&report, mimamori::model::Lang::Ja);
    assert!(text.contains("計画の進捗"), "{text}");
    for code in run.summary.total.by_reason.keys() {
        assert!(
            !text.contains(code.as_str()),
            "{code} in the Japanese table"
        );
    }
}
