//! Every real GeoJSON case in `tests/data/geojson-cases` given as `roads.geojson`: invalid
//! files are refused with a located message and no panic; files that RFC 7946 says parsers
//! should accept, and the valid ones, either load or are refused for a stated domain reason.

use mimamori::io::mapdir::{read_layer, roads_from};
use std::path::{Path, PathBuf};

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/geojson-cases")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flat_map(|sub| std::fs::read_dir(sub.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "geojson"))
        .collect();
    out.sort();
    out
}

/// Invalid-folder files that break only SHOULD-level rules (tests/data/README.md, geojson-cases).
const SHOULD_ONLY: &[&str] = &[
    "polygon_winding_order",
    "bad-polygon-interiorring-rhr",
    "invalid_exterior_not_ccw",
    "invalid_interior_not_cw",
    "point-toomany",
    "geometrycollection_single",
    "geometrycollection_nested",
    "excessive_precision_truncated",
];

/// Messages that refuse valid GeoJSON for what it is, not for how it is written.
const DOMAIN_REASONS: &[&str] = &[
    "a map layer is a collection of features",
    "a road is a line",
    "longitude -180..180",
];

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn invalid_cases_are_refused_with_a_location() {
    let files = cases("invalid");
    assert!(
        files.len() >= 77,
        "found only {} invalid cases",
        files.len()
    );
    for f in files
        .iter()
        .filter(|f| !SHOULD_ONLY.contains(&stem(f).as_str()))
    {
        let err = read_layer(f, roads_from)
            .err()
            .unwrap_or_else(|| panic!("{} loaded", f.display()));
        let first = &err.errors[0];
        let msg = err.to_string();
        assert!(msg.contains(&stem(f)), "{msg}");
        // Located: a line and column, a feature index, or the JSON member at fault.
        let located =
            !matches!(first.location, mimamori::io::Location::File) || !first.field.is_empty();
        assert!(located, "{}: unlocated message {msg}", f.display());
        // Structural problems are reported as such, not only as "not a road".
        assert!(
            !DOMAIN_REASONS.iter().any(|d| msg.contains(d)),
            "{}: refused only for a domain reason, but it is invalid GeoJSON:\n{msg}",
            f.display()
        );
    }
}

#[test]
fn should_level_and_valid_cases_load_or_are_refused_for_a_domain_reason() {
    let mut files: Vec<PathBuf> = cases("invalid")
        .into_iter()
        .filter(|f| SHOULD_ONLY.contains(&stem(f).as_str()))
        .collect();
    assert_eq!(files.len(), SHOULD_ONLY.len());
    files.extend(cases("valid"));
    let mut loaded = Vec::new();
    for f in &files {
        match read_layer(f, roads_from) {
            Ok(roads) => {
                loaded.push(stem(f));
                assert!(roads.iter().all(|r| r.coords.len() >= 2), "{}", f.display());
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    DOMAIN_REASONS.iter().any(|d| msg.contains(d)),
                    "{}: refused for a non-domain reason:\n{msg}",
                    f.display()
                );
            }
        }
    }
    // The collections made only of lines (or of nothing) load; every other valid case holds a
    // point, a polygon or a bare geometry, which is no road layer.
    assert_eq!(
        loaded,
        [
            "problematic_zero_length_linestring",
            "valid_featurecollection_empty_features"
        ]
    );
}
