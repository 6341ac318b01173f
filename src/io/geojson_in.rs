//! A strict RFC 7946 GeoJSON reader.
//!
//! Real files carry every kind of defect (see `tests/data/geojson-cases`, copied with their provenance), and a map built from
//! a half-understood file is worse than no map. So the reader first parses JSON while refusing
//! duplicate member names, then checks the structure against RFC 7946's MUST rules (types,
//! member kinds, coordinate depth, positions, closed rings of four or more positions, bbox,
//! forbidden members that change semantics) and reports each violation with the feature index
//! and a JSON path. SHOULD-level matters (winding order, positions of four numbers, nested
//! geometry collections) are accepted, as §3.1.6 and §3.1.1 ask of parsers.
//!
//! Only after the whole file is valid GeoJSON does the caller apply its domain rules (a road
//! must be a line, a shelter a point).

use super::{DataError, DataErrors, Location};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map as JsonMap, Value};
use std::fmt;
use std::path::Path;

/// One feature of a FeatureCollection, structurally valid.
#[derive(Clone, Debug)]
pub struct RawFeature {
    /// 0-based index in the collection.
    pub index: usize,
    /// The feature `id` as text (numbers are written in decimal).
    pub id: Option<String>,
    /// Properties (`null` becomes empty).
    pub properties: JsonMap<String, Value>,
    /// Geometry, `None` for `"geometry": null`.
    pub geometry: Option<Geometry<f64>>,
}

/// Parses a GeoJSON FeatureCollection.
pub fn read_feature_collection(path: &Path, text: &str) -> Result<Vec<RawFeature>, DataErrors> {
    let root = parse_strict_json(path, text)?;
    let mut errs = DataErrors::default();
    let mut ck = Checker {
        path,
        errs: &mut errs,
        feature: None,
    };
    ck.object(&root, "");
    if !errs.is_empty() {
        return Err(errs);
    }
    // Valid GeoJSON; now the domain rule that a map layer is a FeatureCollection.
    let ty = root.get("type").and_then(Value::as_str).unwrap_or_default();
    if ty != "FeatureCollection" {
        return Err(DataError::new(
            path,
            Location::File,
            "type",
            ty,
            "a FeatureCollection (a map layer is a collection of features)",
        )
        .into());
    }
    let features = root["features"].as_array().cloned().unwrap_or_default();
    Ok(features
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            let id = match f.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let properties = f
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let geometry = f.get("geometry").filter(|g| !g.is_null()).map(to_geometry);
            RawFeature {
                index,
                id,
                properties,
                geometry,
            }
        })
        .collect())
}

/// Parses JSON, refusing duplicate member names (RFC 8259 says names SHOULD be unique; a
/// duplicated property silently losing one value is a data bug we want to see).
fn parse_strict_json(path: &Path, text: &str) -> Result<Value, DataErrors> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = StrictValue::deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    v.map(|v| v.0).map_err(|e| {
        DataError::new(
            path,
            Location::LineCol(e.line() as u64, e.column() as u64),
            "",
            "",
            format!("valid JSON ({e})"),
        )
        .into()
    })
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = JsonMap::new();
        while let Some(k) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.contains_key(&k) {
                return Err(de::Error::custom(format_args!(
                    "duplicate member name {k:?}"
                )));
            }
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

struct Checker<'a> {
    path: &'a Path,
    errs: &'a mut DataErrors,
    /// The feature being checked: its index and id (so messages name both).
    feature: Option<(usize, Option<Box<str>>)>,
}

/// A feature's id as users know it: the `id` property, else the feature `id` member.
fn feature_id_of(f: &Value) -> Option<Box<str>> {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().into()),
        Some(Value::Number(n)) => Some(n.to_string().into()),
        _ => None,
    };
    text(f.get("properties").and_then(|p| p.get("id"))).or_else(|| text(f.get("id")))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(at: &str, member: &str) -> String {
    if at.is_empty() {
        member.to_owned()
    } else {
        format!("{at}.{member}")
    }
}

impl Checker<'_> {
    fn err(&mut self, field: &str, value: impl Into<String>, expected: impl Into<String>) {
        let loc = match &self.feature {
            Some((i, Some(id))) => match u32::try_from(*i) {
                Ok(i) => Location::FeatureId(i, id.clone()),
                Err(_) => Location::Feature(*i),
            },
            Some((i, None)) => Location::Feature(*i),
            None => Location::File,
        };
        self.errs
            .push(DataError::new(self.path, loc, field, value, expected));
    }

    fn show(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => kind_of(v).to_owned(),
            _ => v.to_string(),
        }
    }

    /// Any GeoJSON object: FeatureCollection, Feature or geometry.
    fn object(&mut self, v: &Value, at: &str) {
        let Some(obj) = v.as_object() else {
            let field = if at.is_empty() { "(root)" } else { at };
            self.err(field, Self::show(v), "a GeoJSON object");
            return;
        };
        let ty_field = join(at, "type");
        let ty = match obj.get("type") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                self.err(&ty_field, Self::show(other), "a string `type` member");
                return;
            }
            None => {
                self.err(&ty_field, "", "a `type` member");
                return;
            }
        };
        self.bbox(obj, at);
        match ty {
            "FeatureCollection" => {
                self.forbid(
                    obj,
                    at,
                    ty,
                    &["coordinates", "geometry", "properties", "geometries"],
                );
                match obj.get("features") {
                    Some(Value::Array(fs)) => {
                        let outer = self.feature.take();
                        for (i, f) in fs.iter().enumerate() {
                            self.feature = Some((i, feature_id_of(f)));
                            self.feature_obj(f);
                        }
                        self.feature = outer;
                    }
                    Some(other) => self.err(
                        &join(at, "features"),
                        Self::show(other),
                        "an array of features",
                    ),
                    None => self.err(&join(at, "features"), "", "a `features` array"),
                }
            }
            "Feature" => self.feature_obj(v),
            t if GEOMETRY_TYPES.contains(&t) => self.geometry(v, at),
            t => self.err(
                &ty_field,
                t,
                "FeatureCollection, Feature or a geometry type (names are case-sensitive)",
            ),
        }
    }

    fn forbid(&mut self, obj: &JsonMap<String, Value>, at: &str, ty: &str, members: &[&str]) {
        for m in members {
            if obj.contains_key(*m) {
                self.err(
                    &join(at, m),
                    "",
                    format!("no `{m}` member in a {ty} (it would change the object's meaning)"),
                );
            }
        }
    }

    fn bbox(&mut self, obj: &JsonMap<String, Value>, at: &str) {
        if let Some(b) = obj.get("bbox") {
            let ok = b
                .as_array()
                .is_some_and(|a| (a.len() == 4 || a.len() == 6) && a.iter().all(Value::is_number));
            if !ok {
                self.err(
                    &join(at, "bbox"),
                    Self::show(b),
                    "an array of 4 or 6 numbers",
                );
            }
        }
    }

    fn feature_obj(&mut self, v: &Value) {
        let Some(obj) = v.as_object() else {
            self.err("", Self::show(v), "a Feature object");
            return;
        };
        if obj.get("type").and_then(Value::as_str) != Some("Feature") {
            let found = obj.get("type").map(Self::show).unwrap_or_default();
            self.err("type", found, "\"Feature\"");
            return;
        }
        self.bbox(obj, "");
        self.forbid(
            obj,
            "",
            "Feature",
            &["features", "coordinates", "geometries"],
        );
        match obj.get("id") {
            None | Some(Value::String(_)) | Some(Value::Number(_)) => {}
            Some(other) => self.err("id", Self::show(other), "a string or a number"),
        }
        match obj.get("properties") {
            Some(Value::Object(_)) | Some(Value::Null) => {}
            Some(other) => self.err("properties", Self::show(other), "an object or null"),
            None => self.err(
                "properties",
                "",
                "a `properties` member (an object or null)",
            ),
        }
        match obj.get("geometry") {
            Some(Value::Null) => {}
            Some(g) => self.geometry(g, "geometry"),
            None => self.err("geometry", "", "a `geometry` member (a geometry or null)"),
        }
    }

    fn geometry(&mut self, v: &Value, at: &str) {
        let Some(obj) = v.as_object() else {
            self.err(at, Self::show(v), "a geometry object");
            return;
        };
        let ty = match obj.get("type") {
            Some(Value::String(s)) if GEOMETRY_TYPES.contains(&s.as_str()) => s.as_str(),
            Some(other) => {
                self.err(
                    &join(at, "type"),
                    Self::show(other),
                    "a geometry type: Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon or GeometryCollection",
                );
                return;
            }
            None => {
                self.err(&join(at, "type"), "", "a `type` member");
                return;
            }
        };
        self.bbox(obj, at);
        self.forbid(obj, at, ty, &["properties", "geometry", "features"]);
        if ty == "GeometryCollection" {
            match obj.get("geometries") {
                Some(Value::Array(gs)) => {
                    for (i, g) in gs.iter().enumerate() {
                        self.geometry(g, &format!("{}[{i}]", join(at, "geometries")));
                    }
                }
                Some(other) => self.err(
                    &join(at, "geometries"),
                    Self::show(other),
                    "an array of geometries",
                ),
                None => self.err(&join(at, "geometries"), "", "a `geometries` array"),
            }
            return;
        }
        let field = join(at, "coordinates");
        let Some(c) = obj.get("coordinates") else {
            self.err(&field, "", format!("a `coordinates` member for a {ty}"));
            return;
        };
        match ty {
            "Point" => self.position(c, &field),
            "MultiPoint" => {
                self.array_of(c, &field, 0, Self::position);
            }
            "LineString" => self.line(c, &field),
            "MultiLineString" => {
                self.array_of(c, &field, 0, Self::line);
            }
            "Polygon" => self.polygon(c, &field),
            _ => {
                self.array_of(c, &field, 0, Self::polygon);
            }
        }
    }

    fn array_of(
        &mut self,
        v: &Value,
        at: &str,
        min: usize,
        each: fn(&mut Self, &Value, &str),
    ) -> bool {
        let Some(a) = v.as_array() else {
            self.err(
                at,
                Self::show(v),
                "an array (the coordinates are not nested deeply enough)",
            );
            return false;
        };
        if a.len() < min {
            self.err(
                at,
                format!("{} element(s)", a.len()),
                format!("at least {min}"),
            );
            return false;
        }
        for (i, e) in a.iter().enumerate() {
            each(self, e, &format!("{at}[{i}]"));
        }
        true
    }

    fn position(&mut self, v: &Value, at: &str) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a.iter().all(Value::is_number) => {}
            Some(a) if a.len() < 2 => self.err(
                at,
                format!("{} number(s)", a.len()),
                "a position of 2 or 3 numbers [lon, lat(, height)]",
            ),
            _ => self.err(
                at,
                Self::show(v),
                "a position of 2 or 3 numbers [lon, lat(, height)]",
            ),
        }
    }

    fn line(&mut self, v: &Value, at: &str) {
        self.array_of(v, at, 2, Self::position);
    }

    fn ring(&mut self, v: &Value, at: &str) {
        if self.array_of(v, at, 4, Self::position) {
            let a = v.as_array().expect("checked above");
            let nums = |p: &Value| -> Vec<f64> {
                p.as_array()
                    .map(|p| p.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default()
            };
            if nums(&a[0]) != nums(&a[a.len() - 1]) {
                self.err(
                    at,
                    "first and last positions differ",
                    "a closed linear ring (first position equal to the last)",
                );
            }
        }
    }

    fn polygon(&mut self, v: &Value, at: &str) {
        self.array_of(v, at, 0, Self::ring);
    }
}

fn coord(v: &Value) -> Coord<f64> {
    let a = v.as_array().map(Vec::as_slice).unwrap_or_default();
    let n = |i: usize| a.get(i).and_then(Value::as_f64).unwrap_or(0.0);
    Coord { x: n(0), y: n(1) }
}

fn coords(v: &Value) -> Vec<Coord<f64>> {
    v.as_array()
        .map(|a| a.iter().map(coord).collect())
        .unwrap_or_default()
}

fn polygon(v: &Value) -> Polygon<f64> {
    let mut rings = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| LineString::new(coords(r)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let exterior = if rings.is_empty() {
        LineString::new(vec![])
    } else {
        rings.remove(0)
    };
    Polygon::new(exterior, rings)
}

fn each<T>(v: &Value, f: impl Fn(&Value) -> T) -> Vec<T> {
    v.as_array()
        .map(|a| a.iter().map(f).collect())
        .unwrap_or_default()
}

/// Converts a geometry already checked by [`Checker`]; heights are dropped.
fn to_geometry(g: &Value) -> Geometry<f64> {
    let c = &g["coordinates"];
    match g["type"].as_str().unwrap_or_default() {
        "Point" => Geometry::Point(Point(coord(c))),
        "MultiPoint" => Geometry::MultiPoint(MultiPoint(each(c, |p| Point(coord(p))))),
        "LineString" => Geometry::LineString(LineString::new(coords(c))),
        "MultiLineString" => {
            Geometry::MultiLineString(MultiLineString(each(c, |l| LineString::new(coords(l)))))
        }
        "Polygon" => Geometry::Polygon(polygon(c)),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(each(c, polygon))),
        _ => Geometry::GeometryCollection(geo::GeometryCollection(each(
            &g["geometries"],
            to_geometry,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Vec<RawFeature>, DataErrors> {
        read_feature_collection(Path::new("t.geojson"), s)
    }

    #[test]
    fn a_valid_collection_reads_with_ids_and_properties() {
        let fs = read(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":7,"properties":{"a":1},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4,5]]}},
            {"type":"Feature","properties":null,"geometry":null}]}"#,
        )
        .unwrap();
        assert_eq!(fs.len(), 2);
        assert_eq!(fs[0].id.as_deref(), Some("7"));
        assert_eq!(fs[0].properties["a"], 1);
        assert!(matches!(fs[0].geometry, Some(Geometry::LineString(ref l)) if l.0.len() == 2));
        assert!(fs[1].geometry.is_none() && fs[1].properties.is_empty());
    }

    #[test]
    fn duplicate_members_are_refused_with_line_and_column() {
        let e =
            read("{\"type\":\"FeatureCollection\",\n\"features\":[],\"features\":[]}").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("t.geojson:2:"), "{msg}");
        assert!(msg.contains("duplicate member"), "{msg}");
    }

    #[test]
    fn unclosed_ring_is_located_by_feature_and_path() {
        let e = read(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].location, Location::Feature(1));
        assert_eq!(e.errors[0].field, "geometry.coordinates[0]");
    }

    /// Regression: GeoJSON errors gave a 0-based index without the feature's id.
    #[test]
    fn structural_errors_name_the_feature_id_beside_its_one_based_number() {
        let e = read(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":"A","properties":{},"geometry":null},
            {"type":"Feature","id":17,"properties":{},"geometry":{"type":"LineString","coordinates":[[0,0]]}},
            {"type":"Feature","id":"x","properties":{"id":"R9"},"geometry":{"type":"Point","coordinates":[0]}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.errors.len(), 2, "{e}");
        assert_eq!(e.errors[0].location, Location::FeatureId(1, "17".into()));
        assert_eq!(e.errors[1].location, Location::FeatureId(2, "R9".into()));
        let msg = e.to_string();
        assert!(
            msg.contains("t.geojson: feature no. 2 (counting from 1), id \"17\": field `geometry.coordinates`"),
            "{msg}"
        );
    }

    #[test]
    fn a_bare_geometry_is_valid_geojson_but_not_a_map_layer() {
        let e = read(r#"{"type":"Point","coordinates":[1,2]}"#).unwrap_err();
        assert!(e.to_string().contains("FeatureCollection"));
    }
}
