use super::*;
use crate::io::mapdir::load_map;
use crate::model::{Map, PersonId};
use crate::rng::Rng;
use std::collections::{BTreeMap, BTreeSet};
use time::macros::datetime;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district")
}

fn sample() -> Map {
    load_map(&sample_dir()).expect("sample-district loads")
}

const T0: OffsetDateTime = datetime!(2026-04-01 09:00 +9);

fn imported() -> (Store, Map) {
    let map = sample();
    let mut s = Store::open_in_memory().unwrap();
    s.import_map(&map, &ImportOptions::default(), T0, "tester", "test")
        .unwrap();
    (s, map)
}

/// Every row of every table, as text (all columns), by table name.
fn snapshot(conn: &Connection) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut s = String::new();
                for i in 0..n {
                    match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Text(t) => {
                            s.push_str(&String::from_utf8_lossy(t));
                        }
                        v => s.push_str(&format!("{v:?}")),
                    }
                    s.push('|');
                }
                Ok(s)
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

/// `map` without the people in `drop` (and their watch records), plus `add` copies of its
/// first person under new ids.
fn edit_people(map: &Map, drop: &BTreeSet<String>, add: &[String]) -> Map {
    let mut out = map.clone();
    let mut new_index = BTreeMap::new();
    out.people.clear();
    for (i, p) in map.people.iter().enumerate() {
        if !drop.contains(&p.ext_id) {
            new_index.insert(i, PersonId(out.people.len() as u32));
            out.people.push(p.clone());
        }
    }
    out.records = map
        .records
        .iter()
        .filter_map(|r| {
            let mut r = r.clone();
            r.person = *new_index.get(&r.person.index())?;
            Some(r)
        })
        .collect();
    for id in add {
        let mut p = map.people[0].clone();
        p.ext_id = id.clone();
        out.people.push(p);
    }
    out
}

#[test]
fn migrations_from_empty_create_every_table() {
    let s = Store::open_in_memory().unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let names: BTreeSet<String> = snapshot(&s.conn).into_keys().collect();
    for t in [
        "map_meta",
        "districts",
        "people",
        "volunteers",
        "shelters",
        "map_layers",
        "watch_records",
        "plan_runs",
        "current_plans",
        "plan_status",
        "status_history",
        "pins",
        "users",
        "audit_log",
    ] {
        assert!(names.contains(t), "table {t} missing: {names:?}");
    }
    let fk: i64 = s
        .conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn reopening_a_file_changes_nothing_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let before = {
        let mut s = Store::open(&path).unwrap();
        s.import_map(&sample(), &ImportOptions::default(), T0, "tester", "test")
            .unwrap();
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        snapshot(&s.conn)
    };
    for _ in 0..2 {
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(snapshot(&s.conn), before);
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    drop(Store::open(&path).unwrap());
    let newer = SCHEMA_VERSION as i64 + 1;
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", newer).unwrap();
        c.execute_batch("CREATE TABLE from_the_future (x INTEGER)")
            .unwrap();
    }
    let e = Store::open(&path).err().expect("refused");
    assert!(
        matches!(e, StoreError::SchemaTooNew { found, known } if found == newer as usize && known == SCHEMA_VERSION),
        "{e}"
    );
    assert!(e.to_string().contains("newer than this program"), "{e}");
    let c = Connection::open(&path).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, newer);
}

#[test]
fn statuses_follow_a_reference_model_with_history_and_review_dates() {
    let (mut s, map) = imported();
    let ids: Vec<String> = map.people.iter().map(|p| p.ext_id.clone()).collect();
    let mut rng = Rng::new(12);
    // Reference: current status and the list of changes per person.
    let mut current: BTreeMap<String, (PlanStatus, Option<Date>)> = BTreeMap::new();
    let mut history: BTreeMap<String, Vec<(PlanStatus, PlanStatus, String)>> = BTreeMap::new();
    for step in 0..300 {
        let id = rng.pick(&ids).clone();
        let to = *rng.pick(PlanStatus::ALL);
        let now = T0 + time::Duration::hours(step * 7);
        let policy = ReviewPolicy {
            period_days: 30 + rng.below(400) as u32,
        };
        let user = format!("u{}", rng.below(3));
        let got = s.set_status(&id, to, "n", now, &user, &policy).unwrap();
        let (before, _) = current
            .get(&id)
            .copied()
            .unwrap_or((PlanStatus::NotStarted, None));
        let never_set = !current.contains_key(&id);
        if before != to || never_set {
            let due = (to != PlanStatus::NotStarted)
                .then(|| now.date() + time::Duration::days(policy.period_days.into()));
            current.insert(id.clone(), (to, due));
            history
                .entry(id.clone())
                .or_default()
                .push((before, to, user.clone()));
        }
        assert_eq!(got.status, to);
        assert_eq!(got.review_due, current[&id].1, "step {step}");
    }
    for id in &ids {
        let st = s.status(id).unwrap();
        let want = current
            .get(id)
            .copied()
            .unwrap_or((PlanStatus::NotStarted, None));
        assert_eq!((st.status, st.review_due), want, "{id}");
        let h: Vec<(PlanStatus, PlanStatus, String)> = s
            .status_history(id)
            .unwrap()
            .into_iter()
            .map(|c| (c.from, c.to, c.changed_by))
            .collect();
        assert_eq!(h, history.get(id).cloned().unwrap_or_default(), "{id}");
    }
}

#[test]
fn unknown_statuses_and_people_are_refused_clearly() {
    let (s, _) = imported();
    let e = PlanStatus::parse("done").unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("\"done\"") && msg.contains("complete (完成)"),
        "{msg}"
    );
    assert_eq!(
        PlanStatus::parse("本人確認済").unwrap(),
        PlanStatus::ConfirmedWithPerson
    );
    assert_eq!(
        PlanStatus::parse(" Complete ").unwrap(),
        PlanStatus::Complete
    );
    for st in PlanStatus::ALL {
        assert_eq!(PlanStatus::parse(st.code()).unwrap(), *st);
        assert_eq!(PlanStatus::parse(st.label_ja()).unwrap(), *st);
    }
    assert!(matches!(
        s.status("P99999"),
        Err(StoreError::UnknownPerson { .. })
    ));
    // The database refuses a status outside the vocabulary even when written around the API.
    assert!(
        s.conn
            .execute(
                "INSERT INTO plan_status VALUES ('P00001', 'done', 'x', 'y', NULL)",
                []
            )
            .is_err()
    );
}

/// Random refreshes: the report and the kept state match a reference computed from sets.
#[test]
fn a_refresh_keeps_state_of_people_still_present_and_reports_the_rest() {
    let base = sample();
    let all: Vec<String> = base.people.iter().map(|p| p.ext_id.clone()).collect();
    let vols: Vec<String> = base.volunteers.iter().map(|v| v.ext_id.clone()).collect();
    let shelters: Vec<String> = base.shelters.iter().map(|s| s.ext_id.clone()).collect();
    for seed in 0..12 {
        let mut rng = Rng::new(seed);
        let mut s = Store::open_in_memory().unwrap();
        s.import_map(&base, &ImportOptions::default(), T0, "tester", "first")
            .unwrap();
        let mut pinned = BTreeMap::new();
        let mut statused = BTreeMap::new();
        for id in &all {
            if rng.chance(0.3) {
                let edit = PinEdit {
                    helper_id: rng.chance(0.7).then(|| rng.pick(&vols).clone()),
                    destination_id: rng.chance(0.5).then(|| rng.pick(&shelters).clone()),
                    method: rng.chance(0.5).then_some(Method::Wheelchair),
                    notes: format!("note {}", rng.below(100)),
                };
                s.set_pin(id, &edit, T0, "tester", &ReviewPolicy::default())
                    .unwrap();
                pinned.insert(id.clone(), edit);
            }
            if rng.chance(0.3) {
                let st = *rng.pick(&PlanStatus::ALL[1..]);
                s.set_status(id, st, "", T0, "tester", &ReviewPolicy::default())
                    .unwrap();
                statused.insert(id.clone(), st);
            }
        }
        let drop: BTreeSet<String> = all.iter().filter(|_| rng.chance(0.2)).cloned().collect();
        let add: Vec<String> = (0..rng.below(4)).map(|i| format!("P9{i:04}")).collect();
        let next = edit_people(&base, &drop, &add);
        let rep = s
            .import_map(
                &next,
                &ImportOptions::default(),
                T0 + time::Duration::days(1),
                "tester",
                "refresh",
            )
            .unwrap();
        assert!(!rep.first_import);
        assert_eq!(rep.people_removed, drop.iter().cloned().collect::<Vec<_>>());
        assert_eq!(rep.people_added, add);
        assert_eq!(rep.people_kept, all.len() - drop.len());
        let with_state: Vec<String> = drop
            .iter()
            .filter(|id| pinned.contains_key(*id) || statused.contains_key(*id))
            .cloned()
            .collect();
        assert_eq!(rep.removed_with_state, with_state, "seed {seed}");
        let kept_status = statused.keys().filter(|id| !drop.contains(*id)).count();
        assert_eq!(rep.statuses_kept, kept_status, "seed {seed}");
        assert_eq!(
            rep.pins_kept,
            pinned.keys().filter(|id| !drop.contains(*id)).count()
        );
        for id in &all {
            if drop.contains(id) {
                assert!(matches!(s.pin(id), Err(StoreError::UnknownPerson { .. })));
                // The history outlives the person.
                assert_eq!(
                    s.status_history(id).unwrap().len(),
                    usize::from(statused.contains_key(id))
                );
                continue;
            }
            assert_eq!(
                s.pin(id).unwrap().map(|p| p.edit),
                pinned.get(id).cloned(),
                "seed {seed} {id}"
            );
            assert_eq!(
                s.status(id).unwrap().status,
                statused.get(id).copied().unwrap_or(PlanStatus::NotStarted)
            );
        }
        // The stored map is the new one.
        assert_eq!(s.map().unwrap(), next);
    }
}

#[test]
fn a_bad_map_folder_changes_nothing_and_names_file_and_line() {
    let (mut s, _) = imported();
    s.set_status(
        "P00003",
        PlanStatus::Drafting,
        "",
        T0,
        "tester",
        &ReviewPolicy::default(),
    )
    .unwrap();
    let before = snapshot(&s.conn);
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(sample_dir()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let people = dir.path().join("people.csv");
    let text = std::fs::read_to_string(&people).unwrap();
    // Line 4 gets a mobility nobody knows.
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                l.replacen("walks_with_help", "flies", 1)
                    .replacen("wheelchair", "flies", 1)
                    .replacen("walks_alone", "flies", 1)
                    .replacen("bedridden", "flies", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&people, broken.join("\n")).unwrap();
    let e = s
        .import_map_dir(dir.path(), None, &ImportOptions::default(), T0, "tester")
        .expect_err("refused");
    let StoreError::Map { source, .. } = &e else {
        panic!("{e}")
    };
    let shown = source.to_string();
    assert!(
        shown.contains("people.csv:4") && shown.contains("mobility"),
        "{shown}"
    );
    assert!(
        e.to_string()
            .contains("nothing in the database was changed")
    );
    assert_eq!(snapshot(&s.conn), before);
}

#[test]
fn pins_csv_is_imported_checked_and_exported() {
    let (mut s, map) = imported();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("map");
    std::fs::create_dir(&src).unwrap();
    for f in std::fs::read_dir(sample_dir()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, src.join(f.file_name().unwrap())).unwrap();
    }
    let (v, sh) = (&map.volunteers[2].ext_id, &map.shelters[1].ext_id);
    std::fs::write(
        src.join(crate::io::mapdir::PINS),
        format!(
            "person_id,helper_id,destination_id,note\nP00002,{v},,\"a, note\"\nP00005,,{sh},\n"
        ),
    )
    .unwrap();
    s.set_pin(
        "P00005",
        &PinEdit {
            method: Some(Method::Car),
            ..PinEdit::default()
        },
        T0,
        "api",
        &ReviewPolicy::default(),
    )
    .unwrap();
    let rep = s
        .import_map_dir(
            &src,
            None,
            &ImportOptions::default(),
            T0 + time::Duration::days(2),
            "tester",
        )
        .unwrap();
    assert_eq!(rep.pins_from_file, 2);
    let p2 = s.pin("P00002").unwrap().unwrap();
    assert_eq!(p2.edit.helper_id.as_deref(), Some(v.as_str()));
    assert_eq!(p2.edit.notes, "a, note");
    let p5 = s.pin("P00005").unwrap().unwrap();
    assert_eq!(p5.edit.destination_id.as_deref(), Some(sh.as_str()));
    assert_eq!(p5.edit.method, Some(Method::Car), "the method is kept");
    // The same file again changes no pin (nor who set it).
    let rep = s
        .import_map_dir(
            &src,
            None,
            &ImportOptions::default(),
            T0 + time::Duration::days(3),
            "other",
        )
        .unwrap();
    assert_eq!(rep.pins_from_file, 0);
    assert_eq!(s.pin("P00002").unwrap().unwrap().set_by, "tester");
    // Export writes them back; the file reads back to the same pins.
    let out = dir.path().join("out");
    s.export_map(&out, T0, "tester", "test export").unwrap();
    let back = crate::io::mapdir::load_map(&out).unwrap();
    let got: Vec<(String, Option<String>, Option<String>, String)> = PinRow::from_map(&back)
        .into_iter()
        .map(|p| (p.person_id, p.helper_id, p.destination_id, p.note))
        .collect();
    assert_eq!(
        got,
        vec![
            ("P00002".into(), Some(v.clone()), None, "a, note".into()),
            ("P00005".into(), None, Some(sh.clone()), String::new()),
        ]
    );
    // An unknown helper: the line and field are named, nothing changes.
    std::fs::write(
        src.join(crate::io::mapdir::PINS),
        "person_id,helper_id,destination_id,note\nP00002,V99999,,secret words\n",
    )
    .unwrap();
    let before = snapshot(&s.conn);
    let e = s
        .import_map_dir(&src, None, &ImportOptions::default(), T0, "tester")
        .unwrap_err();
    let StoreError::Map { source, .. } = &e else {
        panic!("{e}")
    };
    let shown = source.to_string();
    assert!(
        shown.contains("pins.csv:2") && shown.contains("helper_id") && shown.contains("V99999"),
        "{shown}"
    );
    assert!(!shown.contains("secret"), "{shown}");
    assert_eq!(snapshot(&s.conn), before);
}

#[test]
fn tokens_are_stored_hashed_and_verify() {
    let (mut s, map) = imported();
    let mut tokens = Vec::new();
    for (i, role) in UserRole::ALL.iter().enumerate() {
        let token = s.new_token().unwrap();
        assert_eq!(token.len(), 64);
        let u = NewUser {
            name: format!("user{i}"),
            role: *role,
            district: Some(map.districts[0].code.clone()),
            volunteer_id: (*role == UserRole::Helper).then(|| map.volunteers[0].ext_id.clone()),
        };
        let stored = s.add_user(&u, &token, T0).unwrap();
        assert_eq!(
            (stored.role, stored.name.as_str()),
            (*role, u.name.as_str())
        );
        tokens.push((token, u.name));
    }
    let distinct: BTreeSet<&String> = tokens.iter().map(|(t, _)| t).collect();
    assert_eq!(distinct.len(), tokens.len());
    for (token, name) in &tokens {
        assert_eq!(&s.user_by_token(token).unwrap().unwrap().name, name);
        // A token differing in one character does not verify.
        let mut wrong = token.clone().into_bytes();
        wrong[10] = if wrong[10] == b'0' { b'1' } else { b'0' };
        assert!(
            s.user_by_token(&String::from_utf8(wrong).unwrap())
                .unwrap()
                .is_none()
        );
        // The token itself is nowhere in the database.
        let dump = format!("{:?}", snapshot(&s.conn));
        assert!(!dump.contains(token.as_str()));
        assert!(dump.contains(&token_hash(token)));
    }
    assert!(s.user_by_token("").unwrap().is_none());
    // Known SHA-256 (FIPS 180-2 example "abc").
    assert_eq!(
        token_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let helper = NewUser {
        name: "h".into(),
        role: UserRole::Helper,
        district: None,
        volunteer_id: None,
    };
    let e = s.add_user(&helper, &"x".repeat(32), T0).unwrap_err();
    assert!(matches!(e, StoreError::InvalidUser { .. }), "{e}");
    let dup = NewUser {
        name: "user0".into(),
        role: UserRole::Viewer,
        district: None,
        volunteer_id: None,
    };
    assert!(matches!(
        s.add_user(&dup, &"y".repeat(32), T0),
        Err(StoreError::DuplicateUser { .. })
    ));
    assert!(matches!(
        UserRole::parse("admin"),
        Err(StoreError::UnknownRole { .. })
    ));
}

#[test]
fn the_audit_log_is_append_only_and_filters() {
    let (mut s, _) = imported();
    for (i, person) in ["P00001", "P00002", "P00001"].iter().enumerate() {
        s.append_audit(
            &AuditEntry {
                user: format!("u{}", i % 2),
                person_id: Some((*person).into()),
                fields: vec!["name".into(), "phone".into()],
                reason: "GET /api/people/x/plan".into(),
            },
            T0 + time::Duration::minutes(i as i64),
        )
        .unwrap();
    }
    let before = snapshot(&s.conn)["audit_log"].clone();
    // The import wrote one row, these three more.
    assert_eq!(before.len(), 4);
    let upd = s.conn.execute("UPDATE audit_log SET user_name = 'x'", []);
    let del = s.conn.execute("DELETE FROM audit_log WHERE id > 0", []);
    for r in [upd, del] {
        let e = r.unwrap_err().to_string();
        assert!(e.contains("append-only"), "{e}");
    }
    assert_eq!(snapshot(&s.conn)["audit_log"], before);
    let by_person = s
        .audit(&AuditFilter {
            person_id: Some("P00001".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(by_person.len(), 2);
    assert_eq!(by_person[0].entry.fields, vec!["name", "phone"]);
    let window = s
        .audit(&AuditFilter {
            user: Some("u0".into()),
            from: Some(T0 + time::Duration::minutes(1)),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].at, T0 + time::Duration::minutes(2));
}

#[test]
fn added_watch_records_survive_refresh_and_are_absorbed_once_in_the_map() {
    let (mut s, map) = imported();
    let rec = NewWatchRecord {
        date: time::macros::date!(2024 - 03 - 30),
        person_id: "P00004".into(),
        volunteer_id: map.volunteers[1].ext_id.clone(),
        method: WatchMethod::Phone,
        outcome: WatchOutcome::Concern,
        concern: Some(Concern::Health),
        referral: None,
    };
    s.add_watch_record(&rec, T0, "api").unwrap();
    let rep = s
        .import_map(&map, &ImportOptions::default(), T0, "tester", "refresh")
        .unwrap();
    assert_eq!((rep.added_records_kept, rep.added_records_absorbed), (1, 0));
    let mine: Vec<_> = s
        .watch_records("P00004")
        .unwrap()
        .into_iter()
        .filter(|r| !r.from_map)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].record, rec);
    // The stored map (what an export writes) has it as its last record; importing that map
    // keeps it once, as the map's.
    let with = s.map().unwrap();
    assert_eq!(with.records.len(), map.records.len() + 1);
    let rep = s
        .import_map(&with, &ImportOptions::default(), T0, "tester", "refresh")
        .unwrap();
    assert_eq!((rep.added_records_kept, rep.added_records_absorbed), (0, 1));
    assert_eq!(s.map().unwrap(), with);
    assert!(matches!(
        s.add_watch_record(
            &NewWatchRecord {
                person_id: "P77777".into(),
                ..rec
            },
            T0,
            "api"
        ),
        Err(StoreError::UnknownPerson { .. })
    ));
}

#[test]
fn plan_runs_keep_current_plans_per_person() {
    let (mut s, map) = imported();
    let policy = ReviewPolicy::default();
    let pin = PinEdit {
        helper_id: Some(map.volunteers[3].ext_id.clone()),
        ..PinEdit::default()
    };
    s.set_pin("P00001", &pin, T0, "tester", &policy).unwrap();
    s.set_status("P00001", PlanStatus::Complete, "", T0, "tester", &policy)
        .unwrap();
    let kept = (s.pins().unwrap(), s.status("P00001").unwrap());
    let summary = serde_json::json!({"people": 40});
    let run = NewPlanRun {
        scenario: "name = \"x\"",
        parameters: "",
        as_of: time::macros::date!(2024 - 04 - 01),
        summary: &summary,
    };
    let plan =
        |n: u32| serde_json::json!({"person": "P00001", "route_length_m": 1234.5 + f64::from(n)});
    let r1 = s
        .record_plan_run(
            &run,
            &[("P00001".into(), plan(0)), ("P00002".into(), plan(1))],
            T0,
            "tester",
        )
        .unwrap();
    let r2 = s
        .record_plan_run(&run, &[("P00001".into(), plan(2))], T0, "tester")
        .unwrap();
    assert!(r2 > r1);
    assert_eq!(s.current_plan("P00001").unwrap(), Some((r2, plan(2))));
    assert_eq!(s.current_plan("P00002").unwrap(), Some((r1, plan(1))));
    let stored = s.plan_run(r1).unwrap().unwrap();
    assert_eq!((stored.summary, stored.created_at), (summary.clone(), T0));
    // Re-planning keeps pins and statuses.
    assert_eq!((s.pins().unwrap(), s.status("P00001").unwrap()), kept);
    assert!(matches!(
        s.record_plan_run(&run, &[("P55555".into(), plan(0))], T0, "t"),
        Err(StoreError::UnknownPerson { .. })
    ));
}

#[test]
fn timestamps_are_utc_seconds() {
    assert_eq!(timestamp(T0), "2026-04-01T00:00:00Z");
    assert_eq!(parse_timestamp(&timestamp(T0)).unwrap(), T0);
}

#[test]
fn a_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.csv");
    std::fs::write(&path, "id,name\nP1,someone\n".repeat(200)).unwrap();
    let e = Store::open(&path).err().expect("refused");
    let shown = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(
        shown.contains("people.csv: cannot open the database") && shown.contains("not a database"),
        "{shown}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        "id,name\nP1,someone\n".repeat(200).into_bytes()
    );
}

/// A record edited by hand into something unreadable gives an error that quotes no value.
#[test]
fn errors_about_stored_records_quote_no_value() {
    let (s, _) = imported();
    s.conn
        .execute(
            "UPDATE people SET record_json = json_set(record_json, '$.name', 4242424) \
             WHERE id = 'P00002'",
            [],
        )
        .unwrap();
    let e = s.map().unwrap_err();
    let mut shown = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(x) = src {
        shown.push_str(&format!(": {x}"));
        src = x.source();
    }
    assert!(
        shown.contains("stored person") && shown.contains("value not shown"),
        "{shown}"
    );
    assert!(!shown.contains("4242424"), "{shown}");
}

/// A refresh that would remove more than the allowed share of people is refused whole.
#[test]
fn removing_most_people_needs_permission() {
    let (mut s, map) = imported();
    s.set_status(
        "P00030",
        PlanStatus::Complete,
        "",
        T0,
        "tester",
        &ReviewPolicy::default(),
    )
    .unwrap();
    let before = snapshot(&s.conn);
    let drop: BTreeSet<String> = map.people[..21].iter().map(|p| p.ext_id.clone()).collect();
    let next = edit_people(&map, &drop, &[]);
    let half = ImportOptions {
        max_drop_share: Some(0.5),
    };
    let e = s
        .import_map(&next, &half, T0, "tester", "refresh")
        .expect_err("21 of 40 is more than half");
    assert!(
        matches!(
            e,
            StoreError::TooManyRemoved {
                what: "people",
                before: 40,
                after: 19,
                removed: 21,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("nothing was changed"), "{e}");
    assert_eq!(snapshot(&s.conn), before);
    // 20 of 40 is allowed; and with no limit, anything.
    let drop20: BTreeSet<String> = drop.iter().take(20).cloned().collect();
    let mut t = Store::open_in_memory().unwrap();
    t.import_map(&map, &half, T0, "tester", "first").unwrap();
    t.import_map(&edit_people(&map, &drop20, &[]), &half, T0, "tester", "r")
        .unwrap();
    let rep = s
        .import_map(
            &next,
            &ImportOptions {
                max_drop_share: None,
            },
            T0,
            "tester",
            "r",
        )
        .unwrap();
    assert_eq!(rep.people_removed.len(), 21);
    assert_eq!(s.status("P00030").unwrap().status, PlanStatus::Complete);
}
