//! Every user-facing text built from a typed value (reasons, warnings, helper and destination
//! statuses, plan statuses, changes, needs, methods), in Japanese and in English, with counts 0,
//! 1 and 2: no code leaks into either language, no other-language word, brackets balanced and
//! never nested, English plurals right. And console tables align by display width.

mod common;

use common::town;
use mimamori::model::*;
use mimamori::plan::engine::{DestinationStatus, HelperStatus};
use mimamori::plan::*;
use mimamori::render::text::{
    self, explain_text, helper_status_text, pad, plan_table, rpad, width,
};
use mimamori::store::PlanStatus;

const LANGS: [Lang; 2] = [Lang::Ja, Lang::En];

/// Ids in the samples: one capital letter and digits (whitelisted in Japanese text).
fn ids(n: usize, prefix: &str) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

/// Every reason, with `n` as each count and list length, and each optional fact absent and
/// present. The match in [`reason_index`] fails to compile when a variant is added.
fn reasons(n: usize) -> Vec<Reason> {
    let opt = |v: f64| [None, Some(v)];
    let mut out = vec![Reason::NoConsent, Reason::NoDestination];
    for d in opt(120.0) {
        out.push(Reason::OffNetwork { distance_m: d });
    }
    for w in opt(45.0) {
        out.push(Reason::NoSafeRoute {
            water_min: w,
            depart_min: 20.0,
            margin_min: 30.0,
        });
    }
    out.push(Reason::DestinationsFull {
        // A shelter's name is data; an id keeps the check on our own words.
        nearest: "S1".into(),
    });
    out.push(Reason::TooSlow {
        evacuation_secs: 3_000.0,
        available_secs: 1_800.0,
    });
    for a in opt(1_200.0) {
        for b in opt(150.0) {
            out.push(Reason::NoHelperInReach {
                limit_secs: 900.0,
                nearest_secs: a,
                nearest_straight_m: b,
            });
        }
    }
    for night in [false, true] {
        out.push(Reason::NobodyAvailable { night, in_reach: n });
    }
    for skill in Skill::ALL {
        out.push(Reason::SkillMissing {
            skill: *skill,
            in_reach: n,
        });
    }
    out.push(Reason::HelpersWithoutConsent { count: n });
    out.push(Reason::HelperTooLate {
        earliest_min: 40.0,
        latest_min: 25.0,
    });
    for needed in [1, 2] {
        out.push(Reason::NotEnoughHelpers {
            needed,
            eligible: n,
        });
    }
    for drivers in [false, true] {
        out.push(Reason::HelpersAtCapacity {
            helpers: ids(n, "H")
                .into_iter()
                .map(|id| BusyHelper {
                    id,
                    helps: ids(n.max(1), "P"),
                })
                .collect(),
            free: n,
            drivers,
        });
    }
    out
}

fn reason_index(r: &Reason) -> usize {
    match r {
        Reason::NoConsent => 0,
        Reason::OffNetwork { .. } => 1,
        Reason::NoSafeRoute { .. } => 2,
        Reason::NoDestination => 3,
        Reason::DestinationsFull { .. } => 4,
        Reason::TooSlow { .. } => 5,
        Reason::NoHelperInReach { .. } => 6,
        Reason::NobodyAvailable { .. } => 7,
        Reason::SkillMissing { .. } => 8,
        Reason::HelpersWithoutConsent { .. } => 9,
        Reason::HelperTooLate { .. } => 10,
        Reason::NotEnoughHelpers { .. } => 11,
        Reason::HelpersAtCapacity { .. } => 12,
    }
}
const REASON_VARIANTS: usize = 13;

/// Every warning with `n` as each count and list length.
fn warnings(n: usize) -> Vec<Warning> {
    let mut out = vec![
        Warning::NoBackup,
        Warning::LongWalk {
            length_m: 820.0,
            limit_m: 500.0,
        },
        Warning::HelperOverAge {
            helper: "H1".into(),
            age: 81,
        },
        Warning::WelfareFallback,
        Warning::BackupBusy {
            helper: "H2".into(),
            helps: ids(n, "P"),
        },
        Warning::UnknownCapacity,
        Warning::BedroomBelowSafeFloor {
            bedroom_floor: 1,
            safe_floor: 2,
        },
        Warning::MatchingNotProven,
        Warning::PowerNeeded,
        Warning::ThroughLandslideZone,
        Warning::NoWheelchairTraining,
    ];
    for last in [None, Some("2024-01-05".to_owned())] {
        out.push(Warning::StaleContact {
            days: n as i64,
            last,
        });
    }
    for late in [None, Some(12.0)] {
        out.push(Warning::DrillFailed {
            missing_helpers: ids(n, "H"),
            late_by_min: late,
            problems: DrillProblem::ALL
                .iter()
                .take(n)
                .map(|p| p.code().to_owned())
                .chain(["a_code_from_a_newer_file".to_owned()])
                .collect(),
        });
    }
    // Pins carry the engine's own reasons: the texts the planner writes for them.
    for kind in [PinKind::Helper, PinKind::Destination] {
        for status in DestinationStatus::ALL {
            out.push(Warning::PinNotFollowed {
                kind,
                id: "S1".into(),
                reason: LocalText {
                    ja: format!(
                        "この想定では使えない避難先です。理由: {}。",
                        status.label(Lang::Ja)
                    ),
                    en: format!(
                        "is not usable in this scenario: {}.",
                        status.label(Lang::En)
                    ),
                },
            });
        }
    }
    out
}

fn warning_index(w: &Warning) -> usize {
    match w {
        Warning::NoBackup => 0,
        Warning::LongWalk { .. } => 1,
        Warning::StaleContact { .. } => 2,
        Warning::HelperOverAge { .. } => 3,
        Warning::WelfareFallback => 4,
        Warning::BackupBusy { .. } => 5,
        Warning::PinNotFollowed { .. } => 6,
        Warning::UnknownCapacity => 7,
        Warning::BedroomBelowSafeFloor { .. } => 8,
        Warning::MatchingNotProven => 9,
        Warning::PowerNeeded => 10,
        Warning::ThroughLandslideZone => 11,
        Warning::NoWheelchairTraining => 12,
        Warning::DrillFailed { .. } => 13,
    }
}
const WARNING_VARIANTS: usize = 14;

fn helper_statuses(n: usize) -> Vec<HelperStatus> {
    let mut out = vec![
        HelperStatus::Primary,
        HelperStatus::Backup {
            busy_with: ids(n, "P"),
        },
        HelperStatus::NotChosen { helps: ids(n, "P") },
        HelperStatus::NoConsent,
        HelperStatus::Unavailable,
        HelperStatus::TooLate {
            arrival_secs: 2_400.0,
        },
    ];
    out.extend(
        Skill::ALL
            .iter()
            .map(|s| HelperStatus::MissingSkill { skill: *s }),
    );
    out
}

fn helper_status_index(s: &HelperStatus) -> usize {
    match s {
        HelperStatus::Primary => 0,
        HelperStatus::Backup { .. } => 1,
        HelperStatus::NotChosen { .. } => 2,
        HelperStatus::NoConsent => 3,
        HelperStatus::Unavailable => 4,
        HelperStatus::MissingSkill { .. } => 5,
        HelperStatus::TooLate { .. } => 6,
    }
}
const HELPER_STATUS_VARIANTS: usize = 7;

fn destination_status_index(s: DestinationStatus) -> usize {
    match s {
        DestinationStatus::Chosen => 0,
        DestinationStatus::Candidate => 1,
        DestinationStatus::TransferOnly => 2,
        DestinationStatus::NotDesignatedForHazard => 3,
        DestinationStatus::OutdoorInRainOrWinter => 4,
        DestinationStatus::InsideActiveHazardZone => 5,
        DestinationStatus::NotBarrierFree => 6,
        DestinationStatus::WelfareShelterForOthers => 7,
    }
}

fn change_index(c: PlanChange) -> usize {
    match c {
        PlanChange::NeedChanged => 0,
        PlanChange::NoLongerCovered => 1,
        PlanChange::NewlyCovered => 2,
        PlanChange::HelperCannotCome => 3,
        PlanChange::DestinationUnusable => 4,
        PlanChange::Displaced => 5,
    }
}

fn plan_status_index(s: PlanStatus) -> usize {
    match s {
        PlanStatus::NotStarted => 0,
        PlanStatus::Drafting => 1,
        PlanStatus::ConfirmedWithPerson => 2,
        PlanStatus::Complete => 3,
        // `PlanStatus` is non-exhaustive: a new status is caught by the count below.
        _ => usize::MAX,
    }
}

/// Asserts every index below `count` was seen.
fn assert_all_seen(what: &str, seen: impl IntoIterator<Item = usize>, count: usize) {
    let seen: std::collections::BTreeSet<usize> = seen.into_iter().collect();
    let missing: Vec<usize> = (0..count).filter(|i| !seen.contains(i)).collect();
    assert!(
        missing.is_empty(),
        "{what}: no sample of variants {missing:?}"
    );
}

fn is_japanese(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF     // CJK punctuation, hiragana, katakana (・ too)
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xFF00..=0xFFEF) // full-width forms
}

/// ASCII words allowed in Japanese text: sample ids (one capital and digits), units, dates.
fn allowed_in_japanese(word: &str) -> bool {
    let id = word.len() >= 2
        && word.as_bytes()[0].is_ascii_uppercase()
        && word[1..].bytes().all(|b| b.is_ascii_digit());
    id || matches!(word, "m" | "km" | "min")
}

/// Checks one text; returns the problems found (empty when fine).
fn problems(text: &str, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        out.push("empty".into());
    }
    // Codes: lower-case words joined by underscores.
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.contains('_') && word.chars().any(|c| c.is_ascii_lowercase()) {
            out.push(format!("code {word:?}"));
        }
    }
    match lang {
        Lang::Ja => {
            for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.chars().any(|c| c.is_ascii_alphabetic()) && !allowed_in_japanese(word) {
                    out.push(format!("ASCII word {word:?}"));
                }
            }
        }
        Lang::En => {
            if let Some(c) = text.chars().find(|c| is_japanese(*c)) {
                out.push(format!("Japanese character {c:?}"));
            }
            for bad in [" 1 helpers", "only 1 are", " 1 days", " 1 sheets", "(s)"] {
                if format!(" {text}").contains(bad) {
                    out.push(format!("plural {bad:?}"));
                }
            }
        }
    }
    // Brackets: balanced, matching, never nested (any kind inside any kind).
    let pairs = [
        ('（', '）'),
        ('(', ')'),
        ('「', '」'),
        ('『', '』'),
        ('【', '】'),
        ('[', ']'),
    ];
    let mut open: Option<char> = None;
    for c in text.chars() {
        if let Some(&(o, _)) = pairs.iter().find(|p| p.0 == c) {
            if open.is_some() {
                out.push(format!("nested bracket {c:?}"));
            }
            open = Some(o);
        } else if let Some(&(o, _)) = pairs.iter().find(|p| p.1 == c) {
            if open != Some(o) {
                out.push(format!("unmatched {c:?}"));
            }
            open = None;
        }
    }
    if let Some(o) = open {
        out.push(format!("unclosed {o:?}"));
    }
    out
}

fn check(what: &str, text: &str, lang: Lang, failures: &mut Vec<String>) {
    for p in problems(text, lang) {
        failures.push(format!("{what} [{lang:?}] {p}: {text}"));
    }
}

#[test]
fn the_checker_catches_what_it_looks_for() {
    // Each of these must be reported, or the walk below would prove nothing.
    for (text, lang) in [
        ("支援者が手いっぱい helpers_at_capacity", Lang::Ja),
        ("『車両 / has a car』ができる人がいません。", Lang::Ja),
        ("洪水（既定（洪水・昼間））", Lang::Ja),
        ("（閉じていない", Lang::Ja),
        ("Needs 2 helpers, but only 1 are eligible.", Lang::En),
        ("1 helpers in reach", Lang::En),
        ("Helper 山田 did not come.", Lang::En),
        ("status chosen_as", Lang::En),
    ] {
        assert!(!problems(text, lang).is_empty(), "not caught: {text}");
    }
    for (text, lang) in [
        ("支援者 H1 は81歳です。最寄りの道路まで120 m。", Lang::Ja),
        ("Needs 2 helpers, but only 1 is eligible (H1).", Lang::En),
    ] {
        assert_eq!(problems(text, lang), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn every_reason_warning_and_status_reads_in_both_languages() {
    let mut failures = Vec::new();
    let (mut rs, mut ws, mut hs) = (Vec::new(), Vec::new(), Vec::new());
    for n in [0, 1, 2] {
        for r in reasons(n) {
            rs.push(reason_index(&r));
            for lang in LANGS {
                check(
                    &format!("reason {} n={n}", r.code()),
                    &r.sentence(lang),
                    lang,
                    &mut failures,
                );
                check(
                    &format!("reason label {}", r.code()),
                    r.label(lang),
                    lang,
                    &mut failures,
                );
                // The table label found from the code is the variant's own label.
                assert_eq!(Reason::label_of(r.code(), lang), r.label(lang));
            }
        }
        for w in warnings(n) {
            ws.push(warning_index(&w));
            for lang in LANGS {
                check(
                    &format!("warning {} n={n}", w.code()),
                    &w.sentence(lang),
                    lang,
                    &mut failures,
                );
            }
        }
        for s in helper_statuses(n) {
            hs.push(helper_status_index(&s));
            for lang in LANGS {
                check(
                    &format!("helper status {s:?}"),
                    &helper_status_text(&s, lang),
                    lang,
                    &mut failures,
                );
            }
        }
    }
    assert_all_seen("reasons", rs, REASON_VARIANTS);
    assert_all_seen("warnings", ws, WARNING_VARIANTS);
    assert_all_seen("helper statuses", hs, HELPER_STATUS_VARIANTS);
    assert_all_seen(
        "Reason::one_of_each",
        Reason::one_of_each().iter().map(reason_index),
        REASON_VARIANTS,
    );
    assert_all_seen(
        "destination statuses",
        DestinationStatus::ALL
            .iter()
            .map(|s| destination_status_index(*s)),
        DestinationStatus::ALL.len().max(8),
    );
    assert_all_seen(
        "changes",
        PlanChange::ALL.iter().map(|c| change_index(*c)),
        6,
    );
    assert_eq!(
        PlanStatus::ALL.len(),
        4,
        "a new plan status: add it to plan_status_index"
    );
    assert_all_seen(
        "plan statuses",
        PlanStatus::ALL.iter().map(|s| plan_status_index(*s)),
        4,
    );
    for lang in LANGS {
        for s in DestinationStatus::ALL {
            assert_ne!(s.label(Lang::En), s.code(), "the code itself is no label");
            check(
                &format!("destination {}", s.code()),
                s.label(lang),
                lang,
                &mut failures,
            );
        }
        for c in PlanChange::ALL {
            check(
                &format!("change {}", c.code()),
                c.label(lang),
                lang,
                &mut failures,
            );
            assert_eq!(PlanChange::label_of(c.code(), lang), c.label(lang));
        }
        for s in PlanStatus::ALL {
            let label = lang.pick(s.label_ja(), s.label_en());
            check(
                &format!("plan status {}", s.code()),
                label,
                lang,
                &mut failures,
            );
        }
        for n in EvacuationNeed::ALL {
            check(
                &format!("need {}", n.code()),
                n.label(lang),
                lang,
                &mut failures,
            );
        }
        for m in [
            Method::Walk,
            Method::Wheelchair,
            Method::Car,
            Method::StayUpstairs,
            Method::StayHome,
        ] {
            check(&format!("method {m:?}"), m.label(lang), lang, &mut failures);
        }
        for b in [Band::High, Band::Middle, Band::Low] {
            check(&format!("band {b:?}"), b.label(lang), lang, &mut failures);
        }
        for k in [PinKind::Helper, PinKind::Destination] {
            check(
                &format!("pin kind {k:?}"),
                k.label(lang),
                lang,
                &mut failures,
            );
        }
        // A code a newer file may hold reads as "other", never as the code.
        check(
            "unknown reason",
            Reason::label_of("some_new_code", lang),
            lang,
            &mut failures,
        );
        check(
            "unknown change",
            PlanChange::label_of("some_new_code", lang),
            lang,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn english_counts_agree_with_their_nouns() {
    let en = |r: Reason| r.sentence(Lang::En);
    assert!(
        en(Reason::NotEnoughHelpers {
            needed: 2,
            eligible: 1
        })
        .contains("only 1 is eligible")
    );
    assert!(
        en(Reason::NotEnoughHelpers {
            needed: 2,
            eligible: 0
        })
        .contains("none is eligible")
    );
    assert!(
        en(Reason::NotEnoughHelpers {
            needed: 1,
            eligible: 0
        })
        .contains("Needs 1 helper,")
    );
    assert!(
        en(Reason::NotEnoughHelpers {
            needed: 2,
            eligible: 1
        })
        .contains("Needs 2 helpers,")
    );
    assert!(
        en(Reason::NobodyAvailable {
            night: true,
            in_reach: 1
        })
        .contains("only helper in reach")
    );
    assert!(
        en(Reason::NobodyAvailable {
            night: true,
            in_reach: 2
        })
        .contains("2 helpers in reach")
    );
    assert!(
        en(Reason::HelpersWithoutConsent { count: 1 }).contains("only helper in reach has not")
    );
    assert_eq!(count_noun(1, "sheet", "sheets"), "1 sheet");
    assert_eq!(count_noun(0, "sheet", "sheets"), "0 sheets");
    assert_eq!(count_noun(2, "sheet", "sheets"), "2 sheets");
    let w = Warning::StaleContact {
        days: 1,
        last: None,
    }
    .sentence(Lang::En);
    assert!(w.contains("last 1 day "), "{w}");
    let w = Warning::DrillFailed {
        missing_helpers: ids(2, "H"),
        late_by_min: None,
        problems: vec![],
    };
    assert!(w.sentence(Lang::En).contains("Helpers H1, H2 did not come"));
}

#[test]
fn a_missing_skill_is_named_in_the_sentences_own_language() {
    // Regression: the sentence read 「『車両 / has a car』ができる人がいません」.
    let r = Reason::SkillMissing {
        skill: Skill::Car,
        in_reach: 2,
    };
    let (ja, en) = (r.sentence(Lang::Ja), r.sentence(Lang::En));
    assert!(ja.contains("車で送迎できる人がいません"), "{ja}");
    assert!(
        !ja.contains("has a car") && !en.contains("車両"),
        "{ja} / {en}"
    );
    assert!(en.contains("can drive the person by car"), "{en}");
    // The code in plans.json, and older files with the bilingual label still read.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["skill"], "car");
    let old = r#"{"code":"skill_missing","skill":"車両 / has a car","in_reach":2}"#;
    assert_eq!(serde_json::from_str::<Reason>(old).unwrap(), r);
    let bad = r#"{"code":"skill_missing","skill":"flying","in_reach":2}"#;
    let err = serde_json::from_str::<Reason>(bad).unwrap_err().to_string();
    assert!(err.contains("expected one of car"), "{err}");
}

#[test]
fn scenario_titles_never_nest_brackets() {
    // Regression: the sheet read 「洪水（既定（洪水・昼間））」.
    let mut failures = Vec::new();
    for lang in LANGS {
        for name in [
            DEFAULT_SCENARIO_NAME,
            "洪水・冬の夜間（大雪）",
            "土砂災害・休日夕方（大雨）",
            "石狩川",
            "",
        ] {
            for h in [HazardType::Flood, HazardType::Landslide] {
                let t = scenario_title(h, name, "", lang);
                let mut p = problems(&t, lang);
                // A scenario's own name is data, in whatever language its file uses.
                if lang == Lang::En && name != DEFAULT_SCENARIO_NAME {
                    p.retain(|p| !p.starts_with("Japanese"));
                }
                failures.extend(
                    p.into_iter()
                        .map(|p| format!("{name:?} {lang:?}: {p}: {t}")),
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        scenario_title(HazardType::Flood, DEFAULT_SCENARIO_NAME, "", Lang::Ja),
        DEFAULT_SCENARIO_NAME
    );
    assert_eq!(
        scenario_title(HazardType::Flood, "石狩川", "", Lang::Ja),
        "洪水（石狩川）"
    );
}

/// Every bundled scenario file names itself in English too, so English output (sheets, tables,
/// exports) carries no Japanese scenario name; Japanese output keeps the Japanese name.
#[test]
fn bundled_scenarios_have_english_titles() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4);
    for f in files {
        let s = mimamori::io::plan_out::read_scenario(&f).unwrap();
        assert!(!s.name_en.is_empty(), "{}: no name_en", f.display());
        let en = scenario_title(s.hazard, &s.name, &s.name_en, Lang::En);
        let p = problems(&en, Lang::En);
        assert!(p.is_empty(), "{}: {en}: {p:?}", f.display());
        let ja = scenario_title(s.hazard, &s.name, &s.name_en, Lang::Ja);
        assert!(ja.contains(&s.name), "{}: {ja}", f.display());
        assert!(problems(&ja, Lang::Ja).is_empty(), "{}: {ja}", f.display());
    }
}

#[test]
fn pad_aligns_full_width_text_by_display_width() {
    assert_eq!(width("旭川"), 4);
    assert_eq!(width("ｱｲ"), 2); // half-width katakana: one column each
    assert_eq!(width("A1"), 2);
    for s in ["旭川第一", "A1", "ｱｲｳ", "中央・東"] {
        assert_eq!(width(&pad(s, 12)), 12, "{s}");
        assert_eq!(width(&rpad(s, 12)), 12, "{s}");
    }
    assert_eq!(text::group(124_624), "124,624");
}

/// A town of two districts with full-width names, people who are covered and people who are
/// not (a wheelchair user with no trained helper; a bedridden person with one helper).
fn town() -> Map {
    let mut m = town::town_of(&["D1", "D2"], town::grid_roads_at("r", 0.0, 6));
    m.districts[0].name = "旭川中央地区".into();
    m.districts[1].name = "東".into();
    m.people = vec![
        town::person_in(0, "P1", 100.0, 100.0, Mobility::WalksWithHelp),
        town::person_in(0, "P2", 200.0, 300.0, Mobility::Wheelchair),
        town::person_in(1, "P3", 400.0, 200.0, Mobility::Bedridden),
        town::person_in(1, "P4", 300.0, 400.0, Mobility::WalksAlone),
    ];
    m.people[3].consent.plan = false;
    m.volunteers = vec![
        town::helper_in(0, "H1", 100.0, 200.0, &[]),
        town::helper_in(1, "H2", 400.0, 300.0, &[Skill::Car]),
    ];
    m.shelters = vec![town::shelter_at("S1", 500.0, 500.0)];
    m.shelters[0].name = "旭川市立第一小学校".into();
    m
}

#[test]
fn console_tables_align_and_leak_no_codes() {
    let m = town();
    let g = town::graph(&m);
    let run = plan(
        &m,
        &g,
        &town::leave_all(),
        &PlanParams::default(),
        town::AS_OF,
    )
    .unwrap();
    assert!(
        !run.uncovered.is_empty(),
        "the town must leave someone uncovered"
    );
    let mut failures = Vec::new();
    for lang in LANGS {
        let table = plan_table(&m, &run, lang);
        for l in table.lines() {
            for p in problems(l, Lang::Ja) {
                if p.starts_with("code") {
                    failures.push(format!("plan table [{lang:?}] {p}: {l}"));
                }
            }
        }
        // The district rows and the header end at the same display column, whatever the
        // width of the district's name.
        let rows: Vec<&str> = table
            .lines()
            .filter(|l| {
                l.starts_with("D1 ")
                    || l.starts_with("D2 ")
                    || l.starts_with(lang.pick("地区", "district"))
                    || l.starts_with(lang.pick("合計", "total"))
            })
            .collect();
        assert_eq!(rows.len(), 4, "{table}");
        let widths: Vec<usize> = rows.iter().map(|l| width(l)).collect();
        assert!(
            widths.iter().all(|w| *w == widths[0]),
            "{widths:?}\n{table}"
        );
        // Every uncovered reason appears by its label in the table.
        for u in &run.uncovered {
            for r in &u.reasons {
                assert!(table.contains(r.label(lang)), "{}\n{table}", r.code());
            }
        }
        for p in &m.people {
            let ex = explain_text(&run, &p.ext_id, lang);
            // Data (names, the default scenario's name) is not ours to check; our words are.
            check(
                &format!("explain {}", p.ext_id),
                &ex.replace("旭川市立第一小学校", "S1"),
                lang,
                &mut failures,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
