//! The store's map round trip, through the library and through `mimamori db`.

use mimamori::io::mapdir::load_map;
use mimamori::store::{PlanStatus, ReviewPolicy, Store};
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::datetime;

fn map_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("maps")
        .join(name)
}

/// Import, export, load both with the crate's loader: the same map. The bundled maps are
/// written by the crate's own writer, so the files come back byte for byte too.
#[test]
fn bundled_maps_round_trip_through_the_store() {
    let now = datetime!(2026-04-01 09:00 +9);
    for name in ["sample-district", "asahikawa-synthetic"] {
        let src = map_dir(name);
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("m.db");
        let out = tmp.path().join("out");
        let mut store = Store::open(&db).unwrap();
        let rep = store
            .import_map_dir(&src, None, &Default::default(), now, "tester")
            .unwrap();
        let original = load_map(&src).unwrap();
        assert!(rep.first_import);
        assert_eq!(rep.people, original.people.len());
        assert_eq!(rep.people_added.len(), original.people.len());
        assert_eq!(rep.map_records, original.records.len());
        store.export_map(&out, now, "tester", "test").unwrap();
        let back = load_map(&out).unwrap();
        assert_eq!(back, original, "{name}");
        assert_eq!(store.map().unwrap(), original, "{name}");
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap();
            assert_eq!(
                std::fs::read(&f).unwrap(),
                std::fs::read(out.join(name)).unwrap(),
                "{}",
                name.to_string_lossy()
            );
        }
        // The export was recorded (after the import's own row).
        assert_eq!(
            store
                .audit(&Default::default())
                .unwrap()
                .iter()
                .map(|r| r.entry.reason.as_str())
                .collect::<Vec<_>>()[1],
            "test"
        );
    }
}

/// The command line: import prints the report, a refresh keeps a status, export writes the
/// folder back.
#[test]
fn db_import_and_export_on_the_command_line() {
    let bin = env!("CARGO_BIN_EXE_mimamori");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("m.db");
    let run = |args: &[&str]| {
        let o = Command::new(bin).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let src = map_dir("sample-district");
    let db_s = db.to_str().unwrap();
    let first = run(&["db", "import", src.to_str().unwrap(), "--db", db_s]);
    assert!(first.contains("40 added, 0 kept, 0 removed"), "{first}");
    {
        let mut s = Store::open(&db).unwrap();
        s.set_status(
            "P00007",
            PlanStatus::Complete,
            "",
            datetime!(2026-04-01 09:00 +9),
            "tester",
            &ReviewPolicy::default(),
        )
        .unwrap();
    }
    let again = run(&["db", "import", src.to_str().unwrap(), "--db", db_s]);
    assert!(
        again.contains("0 added, 40 kept, 0 removed; statuses kept: 1"),
        "{again}"
    );
    let out = tmp.path().join("out");
    run(&["db", "export", "--db", db_s, "--out", out.to_str().unwrap()]);
    assert_eq!(load_map(&out).unwrap(), load_map(&src).unwrap());
    // A missing database is not created by export.
    let o = Command::new(bin)
        .args(["db", "export", "--db", "nope.db", "--out"])
        .arg(tmp.path().join("o2"))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(!tmp.path().join("nope.db").exists());
}
