//! Kill -9 during `mimamori db import`: the database is never half-imported.
//!
//! A database holding the sample district (with a status, a pin and a user) is refreshed with
//! the bundled city by the real binary, killed with SIGKILL after a seeded random delay spread
//! over the import's duration (from before it starts to after it ends). Each time the file must
//! pass `PRAGMA integrity_check` and hold exactly the previous state or exactly the fully
//! imported one: every row of every table is compared (times of day excepted).

use mimamori::rng::Rng;
use mimamori::store::{NewUser, PinEdit, PlanStatus, ReviewPolicy, Store, UserRole};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use time::macros::datetime;

/// Per table: the row count and every row as text, sorted.
type Snapshot = BTreeMap<String, (usize, String)>;

fn map_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(name)
}

/// Every row of every table as text, sorted, leaving out the columns that hold the wall-clock
/// time of a run (`at`, `*_at`).
fn snapshot(db: &Path) -> Snapshot {
    let conn = Connection::open(db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "{}", db.display());
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = Snapshot::new();
    for t in tables {
        // Rows rendered and sorted by SQLite itself (fast even in a debug build).
        let cols: Vec<String> = conn
            .prepare(&format!("SELECT * FROM \"{t}\" LIMIT 0"))
            .unwrap()
            .column_names()
            .into_iter()
            .filter(|n| *n != "at" && !n.ends_with("_at"))
            .map(|n| format!("quote(\"{n}\")"))
            .collect();
        let sql = format!(
            "SELECT count(*), coalesce(group_concat(r, char(10)), '') FROM \
             (SELECT {} AS r FROM \"{t}\" ORDER BY r)",
            cols.join(" || char(31) || ")
        );
        let (n, rows): (i64, String) = conn
            .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        out.insert(t, (n as usize, rows));
    }
    out
}

fn import_cmd(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mimamori"));
    c.args(["db", "import"])
        .arg(map_dir("asahikawa-synthetic"))
        .arg("--db")
        .arg(db)
        .args(["--user", "crash-test"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

#[test]
fn a_killed_import_leaves_the_previous_or_the_whole_new_state() {
    let tmp = tempfile::tempdir().unwrap();
    // The previous state: the sample district with some state of its own.
    let template = tmp.path().join("template.db");
    {
        let now = datetime!(2026-04-01 09:00 +9);
        let mut s = Store::open(&template).unwrap();
        s.import_map_dir(
            &map_dir("sample-district"),
            None,
            &Default::default(),
            now,
            "setup",
        )
        .unwrap();
        let policy = ReviewPolicy::default();
        s.set_status("P00003", PlanStatus::Drafting, "", now, "setup", &policy)
            .unwrap();
        let pin = PinEdit {
            notes: "pinned".into(),
            ..PinEdit::default()
        };
        s.set_pin("P00004", &pin, now, "setup", &policy).unwrap();
        let user = NewUser {
            name: "city".into(),
            role: UserRole::City,
            district: None,
            volunteer_id: None,
        };
        s.add_user(&user, &"t".repeat(32), now).unwrap();
    } // closed: the WAL is checkpointed into the file
    let previous = snapshot(&template);
    let fresh = |name: &str| {
        let p = tmp.path().join(name);
        std::fs::copy(&template, &p).unwrap();
        p
    };

    // The fully imported state, how long an import takes, and when it starts writing (its
    // write-ahead log grows: the map folder has been read and checked).
    let full_db = fresh("full.db");
    let full_wal = tmp.path().join("full.db-wal");
    let t = Instant::now();
    let mut child = import_cmd(&full_db).spawn().unwrap();
    let mut writing_from = None;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if writing_from.is_none() && std::fs::metadata(&full_wal).is_ok_and(|m| m.len() > 0) {
            writing_from = Some(t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let duration = t.elapsed();
    assert!(status.success());
    let writing_from = writing_from.unwrap_or(duration / 2);
    let full = snapshot(&full_db);
    assert_ne!(full, previous);
    assert_eq!(full["people"].0, 3418);

    let mut rng = Rng::new(20261201);
    let runs = 20;
    let (mut saw_previous, mut saw_full, mut killed_while_writing) = (0, 0, 0);
    for run in 0..runs {
        // The first run is killed at once, the last well after the end; the odd ones at
        // random points while it writes, the even ones at random points from 0 to 115% of the
        // measured duration.
        let delay = match run {
            0 => Duration::ZERO,
            r if r == runs - 1 => duration.mul_f64(1.5),
            r if r % 2 == 1 => {
                let (a, b) = (writing_from.as_secs_f64(), duration.as_secs_f64());
                Duration::from_secs_f64(rng.range_f64(a, b.max(a)))
            }
            _ => duration.mul_f64(rng.range_f64(0.0, 1.15)),
        };
        let db = fresh(&format!("run{run}.db"));
        let mut child = import_cmd(&db).spawn().unwrap();
        std::thread::sleep(delay);
        // Child::kill sends SIGKILL on Unix; an already finished child is fine.
        let _ = child.kill();
        child.wait().unwrap();
        let wal = tmp.path().join(format!("run{run}.db-wal"));
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            killed_while_writing += 1;
        }
        let got = snapshot(&db);
        if got == previous {
            saw_previous += 1;
        } else if got == full {
            saw_full += 1;
        } else {
            let differ: Vec<(&String, usize, usize, usize)> = got
                .iter()
                .filter(|(t, rows)| previous.get(*t) != Some(rows) && full.get(*t) != Some(rows))
                .map(|(t, rows)| (t, rows.0, previous[t].0, full[t].0))
                .collect();
            panic!(
                "run {run} (killed after {delay:?}): neither the previous nor the imported \
                 state; tables (rows now, before, after): {differ:?}"
            );
        }
        std::fs::remove_file(&db).ok();
    }
    eprintln!(
        "import {duration:?}, writing from {writing_from:?}; {runs} kills: {saw_previous} previous, {saw_full} full, \
         {killed_while_writing} left a write-ahead log"
    );
    assert!(saw_previous >= 1 && saw_full >= 1);
    assert_eq!(saw_previous + saw_full, runs);
}
