//! Nothing is lost: a killed `plan` leaves the previous output set whole, the next run removes
//! what the killed one left, `sheets` drops the sheet of a person who withdrew consent, and
//! imports and `generate` refuse to destroy data without `--force`.

use mimamori::io::import::osm::{Bbox, read_osm};
use mimamori::rng::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mimamori(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = mimamori(args);
    assert!(
        out.status.success(),
        "mimamori {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let out = mimamori(args);
    assert!(!out.status.success(), "mimamori {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

/// Every file under `dir` (relative path -> content).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_killed_plan_leaves_the_old_or_the_new_complete_set_and_the_next_run_cleans_up() {
    let map = root().join("maps/sample-district");
    let day = root().join("scenarios/flood-daytime.toml");
    let night = root().join("scenarios/flood-winter-night.toml");
    let tmp = tempfile::tempdir().unwrap();
    // The two complete sets, written by uninterrupted runs (output is deterministic).
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&["plan", s(&map), "--scenario", s(&day), "--out", s(&a)]);
    let t = Instant::now();
    ok(&["plan", s(&map), "--scenario", s(&night), "--out", s(&b)]);
    let full = t.elapsed();
    let (old, new) = (snapshot(&a), snapshot(&b));
    assert_ne!(old, new, "the two scenarios give different sets");
    let plans: serde_json::Value = serde_json::from_slice(&new["plans.json"]).unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&new["summary.json"]).unwrap();
    assert_eq!(
        plans.as_array().unwrap().len() as u64,
        summary["planned"].as_u64().unwrap()
    );

    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let out = work.join("out");
    ok(&["plan", s(&map), "--scenario", s(&day), "--out", s(&out)]);
    // An orphan temporary file of an older version's killed run.
    std::fs::write(out.join(".plans.json.tmp4194999"), b"personal data").unwrap();
    let mut rng = Rng::new(20);
    let (mut saw_old, mut saw_new) = (0, 0);
    for _ in 0..12 {
        // Kill between half and 1.3 times an uninterrupted run: planning, writing or done.
        let delay = full.mul_f64(rng.range_f64(0.5, 1.3));
        let mut child = Command::new(env!("CARGO_BIN_EXE_mimamori"))
            .args(["plan", s(&map), "--scenario", s(&night), "--out", s(&out)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let mut now = snapshot(&out);
        now.retain(|k, _| !k.starts_with(".plans.json.tmp"));
        if now == old {
            saw_old += 1;
        } else {
            assert_eq!(now, new, "the folder is neither the old nor the new set");
            saw_new += 1;
            // Back to the old set for the next kill.
            ok(&["plan", s(&map), "--scenario", s(&day), "--out", s(&out)]);
        }
    }
    eprintln!("kills: {saw_old} left the old set, {saw_new} the new one");
    ok(&["plan", s(&map), "--scenario", s(&night), "--out", s(&out)]);
    assert_eq!(snapshot(&out), new, "no leftover inside the folder");
    assert_eq!(names(&work), ["out"], "no staging or old folder beside it");
}

#[test]
fn plan_refuses_a_folder_holding_other_files_and_keeps_a_dump_inside_the_set() {
    let map = root().join("maps/sample-district");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("my-notes.txt"), b"mine").unwrap();
    let e = fails(&["plan", s(&map), "--out", s(&out)]);
    assert!(e.contains("my-notes.txt") && e.contains("refusing"), "{e}");
    assert_eq!(names(&out), ["my-notes.txt"]);
    std::fs::remove_file(out.join("my-notes.txt")).unwrap();
    let dump = out.join("matching.json");
    ok(&[
        "plan",
        s(&map),
        "--out",
        s(&out),
        "--dump-matching",
        s(&dump),
    ]);
    assert!(dump.exists());
    // A later run without the dump removes it with the rest of the old set.
    ok(&["plan", s(&map), "--out", s(&out)]);
    assert!(!dump.exists());
    assert!(out.join("plans.json").exists());
}

/// Sets `consent_plan` of person `id` to false in a copy of people.csv.
fn withdraw_consent(people: &Path, id: &str) {
    let text = std::fs::read_to_string(people).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "consent_plan").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    let mut found = false;
    for r in rows.records() {
        let mut r: Vec<String> = r.unwrap().iter().map(str::to_owned).collect();
        if r[0] == id {
            r[col] = "false".into();
            found = true;
        }
        w.write_record(&r).unwrap();
    }
    assert!(found);
    std::fs::write(people, w.into_inner().unwrap()).unwrap();
}

/// Every `sheets/…` and `cards/…` link in the index names a file of the folder.
fn index_links_exist(out: &Path) -> usize {
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let mut n = 0;
    for part in index.split("href=\"").skip(1) {
        let link = &part[..part.find('"').unwrap()];
        if link.starts_with("sheets/") || link.starts_with("cards/") {
            assert!(out.join(link).exists(), "index links to missing {link}");
            n += 1;
        }
    }
    n
}

/// Pages (`sheets/…`, `cards/…`) of `out` that contain `text`.
fn pages_with(out: &Path, text: &str) -> Vec<String> {
    snapshot(out)
        .into_iter()
        .filter(|(k, v)| k.contains('/') && String::from_utf8_lossy(v).contains(text))
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn a_person_who_withdraws_consent_loses_their_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let map = tmp.path().join("map");
    std::fs::create_dir(&map).unwrap();
    for e in std::fs::read_dir(root().join("maps/sample-district")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, map.join(p.file_name().unwrap())).unwrap();
    }
    // A person with a helper (their sheet and the helper's card show their address), whose
    // address appears nowhere else in the map; and another person for the one-person mode.
    let scratch = tempfile::tempdir().unwrap();
    let plan_dir = scratch.path().join("plan");
    ok(&["plan", s(&map), "--out", s(&plan_dir)]);
    let plans: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plan_dir.join("plans.json")).unwrap()).unwrap();
    let people = std::fs::read_to_string(map.join("people.csv")).unwrap();
    let volunteers = std::fs::read_to_string(map.join("volunteers.csv")).unwrap();
    let chosen = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            let a = p["address"].as_str().unwrap_or_default();
            !p["helpers"].as_array().unwrap().is_empty()
                && !a.is_empty()
                && people.matches(a).count() == 1
                && !volunteers.contains(a)
        })
        .expect("a planned person with a helper");
    let id = chosen["person"].as_str().unwrap().to_owned();
    let address = chosen["address"].as_str().unwrap().to_owned();
    let other = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person"].as_str().unwrap())
        .find(|p| *p != id)
        .unwrap()
        .to_owned();

    let out = tmp.path().join("sheets");
    ok(&["sheets", s(&map), "--out", s(&out)]);
    let sheet = out.join(format!("sheets/{id}.html"));
    assert!(sheet.exists());
    let before_leaks = pages_with(&out, &address);
    assert!(
        before_leaks.len() >= 2,
        "the sheet and a helper card show the address: {before_leaks:?}"
    );
    let before = names(&out.join("sheets")).len();
    assert!(index_links_exist(&out) > before);
    // The one-person mode keeps the other sheets.
    ok(&["sheets", s(&map), "--out", s(&out), "--person", &other]);
    assert_eq!(names(&out.join("sheets")).len(), before);

    withdraw_consent(&map.join("people.csv"), &id);
    ok(&["sheets", s(&map), "--out", s(&out), "--person", &other]);
    assert!(
        !sheet.exists(),
        "the one-person mode removes the stale sheet too"
    );
    // No page left in the folder carries the withdrawn person's address (helper cards included).
    let leaks: Vec<String> = pages_with(&out, &address);
    assert!(leaks.is_empty(), "pages still naming the person: {leaks:?}");
    ok(&["sheets", s(&map), "--out", s(&out)]);
    assert!(!sheet.exists());
    assert_eq!(names(&out.join("sheets")).len(), before - 1);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains(&format!("sheets/{id}.html")));
    index_links_exist(&out);
    assert_eq!(names(tmp.path()), ["map", "sheets"]);
}

#[test]
fn an_import_that_would_empty_or_halve_a_layer_is_refused_unless_forced() {
    let pbf = root().join("tests/data/osm/monaco/monaco-latest-2020-02-25.osm.pbf");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("map");
    // A box with no roads is refused even into a new folder, and writes nothing.
    let e = fails(&[
        "import",
        "osm",
        s(&pbf),
        "--bbox",
        "0,0,0.01,0.01",
        "--into",
        s(&dir),
    ]);
    assert!(e.contains("roads.geojson") && e.contains("--force"), "{e}");
    assert!(!dir.exists() || names(&dir).is_empty());

    ok(&["import", "osm", s(&pbf), "--into", s(&dir)]);
    let full = snapshot(&dir);
    let (all, _) = read_osm(&pbf, None).unwrap();
    let small = "7.42,43.73,7.43,43.74";
    let (inside, _) = read_osm(&pbf, Some(Bbox::parse(small).unwrap())).unwrap();
    let lost = all.len() - inside.len();
    // The test needs a box that drops more than half of the roads.
    assert!(lost * 2 > all.len() && !inside.is_empty());
    let e = fails(&["import", "osm", s(&pbf), "--bbox", small, "--into", s(&dir)]);
    assert!(
        e.contains(&format!("from {} to {}", all.len(), inside.len()))
            && e.contains(&format!("{lost} lost")),
        "{e}"
    );
    assert_eq!(snapshot(&dir), full, "a refused import changes nothing");
    // A dry run says so without failing.
    let dry = ok(&[
        "import",
        "osm",
        s(&pbf),
        "--bbox",
        small,
        "--dry-run",
        "--into",
        s(&dir),
    ]);
    assert!(dry.contains("refusing"), "{dry}");
    // A larger allowed share, or --force, writes it.
    ok(&[
        "import",
        "osm",
        s(&pbf),
        "--bbox",
        small,
        "--max-drop",
        "1",
        "--into",
        s(&dir),
    ]);
    let roads: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("roads.geojson")).unwrap()).unwrap();
    assert_eq!(roads["features"].as_array().unwrap().len(), inside.len());
    ok(&["import", "osm", s(&pbf), "--into", s(&dir)]);
    ok(&[
        "import",
        "osm",
        s(&pbf),
        "--bbox",
        small,
        "--force",
        "--into",
        s(&dir),
    ]);
    let e = fails(&[
        "import",
        "osm",
        s(&pbf),
        "--max-drop",
        "1.5",
        "--into",
        s(&dir),
    ]);
    assert!(e.contains("--max-drop"), "{e}");
    assert_eq!(names(tmp.path()), ["map"]);
}

#[test]
fn generate_refuses_a_non_empty_folder_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("city");
    let args = |seed: &'static str| {
        vec![
            "generate",
            "--preset",
            "sample-district",
            "--seed",
            seed,
            "--out",
        ]
    };
    let mut a = args("1");
    a.push(s(&dir));
    ok(&a);
    let first = snapshot(&dir);
    let mut b = args("2");
    b.push(s(&dir));
    let e = fails(&b);
    assert!(e.contains("--force") && e.contains("not empty"), "{e}");
    assert_eq!(snapshot(&dir), first, "rosters untouched");
    b.push("--force");
    ok(&b);
    assert_ne!(snapshot(&dir), first);
    // Files that are not a map's make it refuse even with --force.
    std::fs::write(dir.join("memo.txt"), b"mine").unwrap();
    let e = fails(&b);
    assert!(e.contains("memo.txt"), "{e}");
    assert!(dir.join("memo.txt").exists());
}
