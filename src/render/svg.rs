//! The route map: an SVG drawn from the map's own roads and hazard zones (no tiles, no network).
//!
//! Built for paper, often printed in black and white: hazard depth bands differ by hatching as
//! well as by grey-blue level, routes have white casings so they stay visible over hatching, and
//! the marks carry a kanji (家 home, 支 helper, 避 destination) rather than relying on colour.
//! Coordinates go through [`Frame`] centred on the view; the drawing keeps the view's aspect
//! ratio, which [`MapView`] already matches to [`MAP_W`] : [`MAP_H`]. The legend sits in a strip
//! under the map so it never hides the route. Every piece of text is escaped here, since the
//! result is embedded in HTML as is.

use super::view::MapView;
use crate::model::{HazardKind, Lang, LonLat, RoadClass};
use crate::spatial::Frame;
use std::fmt::Write;

/// Width of the map area in SVG units.
pub const MAP_W: f64 = 1000.0;
/// Height of the map area in SVG units.
pub const MAP_H: f64 = 480.0;

/// A mark on the map, with an optional short tag drawn beside it (e.g. "1" for the first person
/// on a helper card).
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub at: LonLat,
    pub tag: String,
}

impl Mark {
    /// A mark without a tag.
    pub fn at(at: LonLat) -> Self {
        Self {
            at,
            tag: String::new(),
        }
    }
}

/// What to draw over the map.
#[derive(Clone, Debug, Default)]
pub struct MapMarks<'a> {
    /// Prefix of the SVG element ids (patterns, markers), unique within one HTML page.
    pub id_prefix: &'a str,
    /// Homes of the people (家).
    pub homes: Vec<Mark>,
    /// Homes of the helpers (支).
    pub helper_homes: Vec<Mark>,
    /// Destinations (避).
    pub destinations: Vec<Mark>,
    /// Evacuation routes, drawn bold.
    pub routes: Vec<&'a [LonLat]>,
    /// Helpers' routes to the person, drawn dashed.
    pub helper_routes: Vec<&'a [LonLat]>,
}

/// The fill style of one hazard band.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    /// Flood depth rank 1 (< 0.5 m).
    D1,
    /// Rank 2 (0.5–3 m), or a flood zone without a rank.
    D2,
    /// Rank 3 (3–5 m).
    D3,
    /// Rank 4 and deeper (≥ 5 m).
    D4,
    Landslide,
    HouseCollapse,
}

impl Band {
    fn of(kind: HazardKind, rank: Option<u8>) -> Band {
        match kind {
            HazardKind::Landslide => Band::Landslide,
            HazardKind::HouseCollapse => Band::HouseCollapse,
            _ => match rank.unwrap_or(2) {
                1 => Band::D1,
                2 => Band::D2,
                3 => Band::D3,
                _ => Band::D4,
            },
        }
    }
    fn id(self) -> &'static str {
        match self {
            Band::D1 => "d1",
            Band::D2 => "d2",
            Band::D3 => "d3",
            Band::D4 => "d4",
            Band::Landslide => "ls",
            Band::HouseCollapse => "hc",
        }
    }
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Band::D1 => lang.pick("浸水 0.5 m未満", "flood < 0.5 m"),
            Band::D2 => lang.pick("浸水 0.5–3 m", "flood 0.5–3 m"),
            Band::D3 => lang.pick("浸水 3–5 m", "flood 3–5 m"),
            Band::D4 => lang.pick("浸水 5 m以上", "flood ≥ 5 m"),
            Band::Landslide => lang.pick("土砂災害警戒区域", "landslide zone"),
            Band::HouseCollapse => lang.pick("家屋倒壊等氾濫想定区域", "house-collapse zone"),
        }
    }
    /// Pattern body, in a `size` x `size` tile.
    fn pattern(self, prefix: &str) -> String {
        let id = format!("{prefix}-{}", self.id());
        let tile = |size: u32, rotate: i32, fill: &str, body: &str| {
            format!(
                r#"<pattern id="{id}" patternUnits="userSpaceOnUse" width="{size}" height="{size}" patternTransform="rotate({rotate})"><rect width="{size}" height="{size}" fill="{fill}"/>{body}</pattern>"#
            )
        };
        match self {
            Band::D1 => tile(
                10,
                0,
                "#e4edf7",
                r##"<circle cx="5" cy="5" r="1" fill="#7d98bb"/>"##,
            ),
            Band::D2 => tile(
                12,
                45,
                "#c8d8ec",
                r##"<line x1="0" y1="0" x2="0" y2="12" stroke="#4f6f99" stroke-width="1.6"/>"##,
            ),
            Band::D3 => tile(
                8,
                45,
                "#a6bedc",
                r##"<line x1="0" y1="0" x2="0" y2="8" stroke="#3c5b86" stroke-width="1.8"/>"##,
            ),
            Band::D4 => tile(
                8,
                45,
                "#86a3c9",
                r##"<line x1="0" y1="0" x2="0" y2="8" stroke="#2b4670" stroke-width="1.8"/><line x1="0" y1="0" x2="8" y2="0" stroke="#2b4670" stroke-width="1.8"/>"##,
            ),
            Band::Landslide => tile(
                12,
                0,
                "#f3e7cf",
                r##"<path d="M2 9 L6 3 L10 9" fill="none" stroke="#8a5a00" stroke-width="1.4"/>"##,
            ),
            Band::HouseCollapse => format!(
                r##"<pattern id="{id}" patternUnits="userSpaceOnUse" width="14" height="14"><path d="M3 3 L11 11 M11 3 L3 11" stroke="#8b1e0f" stroke-width="1.6"/></pattern>"##
            ),
        }
    }
}

const HELPER: &str = r##"<rect x="-18" y="-18" width="36" height="36" rx="5" fill="#fff" stroke="#1f3f7a" stroke-width="3.5"/>"##;

const DEST: &str = r##"<circle r="21" fill="#15703a" stroke="#fff" stroke-width="3"/><circle r="23" fill="none" stroke="#111" stroke-width="1.5"/>"##;

const HOME: &str = r##"<circle r="20" fill="#fff" stroke="#b0001a" stroke-width="4"/>"##;

/// Escapes text for SVG/XML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Projection from lon/lat to SVG units of the map area.
struct Proj {
    frame: Frame,
    scale: f64,
}

impl Proj {
    fn new(view: &MapView) -> Self {
        let frame = Frame::new(view.center());
        let [x1, y1] = frame.to_xy(view.max);
        let (half_w, half_h) = (x1.abs().max(1.0), y1.abs().max(1.0));
        let scale = (MAP_W / (2.0 * half_w)).min(MAP_H / (2.0 * half_h));
        Self { frame, scale }
    }
    fn xy(&self, p: LonLat) -> (f64, f64) {
        let [x, y] = self.frame.to_xy(p);
        (MAP_W / 2.0 + x * self.scale, MAP_H / 2.0 - y * self.scale)
    }
    /// Metres per SVG unit.
    fn m_per_unit(&self) -> f64 {
        1.0 / self.scale
    }
}

fn path_d(proj: &Proj, pts: &[LonLat], out: &mut String) {
    let mut first = true;
    for p in pts
        .iter()
        .filter(|p| p.lon.is_finite() && p.lat.is_finite())
    {
        let (x, y) = proj.xy(*p);
        let _ = write!(out, "{}{:.1} {:.1}", if first { "M" } else { " L" }, x, y);
        first = false;
    }
}

fn ring_d(proj: &Proj, ring: &geo::LineString<f64>, out: &mut String) {
    let pts: Vec<LonLat> = ring.coords().map(|c| LonLat::new(c.x, c.y)).collect();
    path_d(proj, &pts, out);
    out.push_str(" Z ");
}

/// The largest "round" length (1, 2, 2.5, 5 × 10ⁿ m) not longer than `max_m`.
fn round_length(max_m: f64) -> f64 {
    let mut best = 10.0;
    for exp in 0..6 {
        for base in [1.0, 2.0, 2.5, 5.0] {
            let v = base * 10f64.powi(exp);
            if v <= max_m {
                best = v;
            }
        }
    }
    best
}

/// Street names on the map (OSM `name`): each name once, at the middle of its longest drawn
/// segment, along the street, at most [`MAX_STREET_LABELS`] (longest first), so the map still
/// reads in print.
fn street_labels(proj: &Proj, view: &MapView, s: &mut String) {
    use std::collections::BTreeMap;
    // name -> (length px, mid x, mid y, angle degrees)
    type Place = (f64, f64, f64, f64);
    let mut best: BTreeMap<&str, Place> = BTreeMap::new();
    for r in &view.roads {
        if r.name.is_empty() {
            continue;
        }
        for seg in r.coords.windows(2) {
            let (x0, y0) = proj.xy(seg[0]);
            let (x1, y1) = proj.xy(seg[1]);
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            if !(0.0..=MAP_W).contains(&mx) || !(0.0..=MAP_H).contains(&my) {
                continue;
            }
            let len = (x1 - x0).hypot(y1 - y0);
            let mut angle = (y1 - y0).atan2(x1 - x0).to_degrees();
            if angle > 90.0 {
                angle -= 180.0;
            } else if angle < -90.0 {
                angle += 180.0;
            }
            let e = best.entry(r.name.as_str()).or_insert((0.0, mx, my, angle));
            if len > e.0 {
                *e = (len, mx, my, angle);
            }
        }
    }
    let mut labels: Vec<(&str, Place)> = best.into_iter().collect();
    labels.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (name, (_, x, y, a)) in labels.into_iter().take(MAX_STREET_LABELS) {
        let _ = write!(
            s,
            r##"<text transform="translate({x:.1} {y:.1}) rotate({a:.0})" y="5" text-anchor="middle" font-size="15" fill="#333" stroke="#fff" stroke-width="4" paint-order="stroke" class="street">{}</text>"##,
            esc(name)
        );
    }
}

/// Street names drawn on one map, at most.
const MAX_STREET_LABELS: usize = 8;

/// Draws the route map of `view` with `marks`, labels in `lang`. The result is one `<svg>`
/// element with a viewBox 1000 units wide (the map area is `MAP_W` x `MAP_H`, the
/// legend strip under it one row per 36 units) that scales to its container's width.
pub fn route_map_svg(view: &MapView, marks: &MapMarks, lang: Lang) -> String {
    let proj = Proj::new(view);
    let p = esc(marks.id_prefix);
    let mut bands: Vec<Band> = view
        .hazards
        .iter()
        .map(|h| Band::of(h.kind, h.depth_rank.map(|r| r.get())))
        .collect();
    bands.sort();
    bands.dedup();
    let (legend, legend_h) = legend_items(marks, &bands, &p, lang);
    let total_h = MAP_H + legend_h;
    let mut s = String::with_capacity(32 * 1024);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_W} {total_h}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{}" font-family="'Noto Sans CJK JP','Noto Sans JP',sans-serif">"#,
        esc(lang.pick("避難経路図", "Evacuation route map"))
    );

    // Patterns and markers.
    s.push_str("<defs>");
    for b in &bands {
        s.push_str(&b.pattern(&p));
    }
    let _ = write!(
        s,
        r##"<clipPath id="{p}-clip"><rect width="{MAP_W}" height="{MAP_H}"/></clipPath><marker id="{p}-arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="3.2" markerHeight="3.2" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#b0001a"/></marker>"##
    );
    s.push_str("</defs>");

    let _ = write!(
        s,
        r##"<rect width="{MAP_W}" height="{total_h}" fill="#fff"/><g clip-path="url(#{p}-clip)"><rect width="{MAP_W}" height="{MAP_H}" fill="#f7f6f2"/>"##
    );

    // Hazard zones: flood bands first (shallow under deep), then landslide, house collapse on top.
    let mut zones: Vec<(Band, &geo::MultiPolygon<f64>)> = view
        .hazards
        .iter()
        .map(|h| (Band::of(h.kind, h.depth_rank.map(|r| r.get())), &h.geometry))
        .collect();
    zones.sort_by_key(|(b, _)| *b);
    for (band, mp) in zones {
        let mut d = String::new();
        for poly in mp {
            ring_d(&proj, poly.exterior(), &mut d);
            for hole in poly.interiors() {
                ring_d(&proj, hole, &mut d);
            }
        }
        let stroke = match band {
            Band::HouseCollapse => {
                r##" stroke="#8b1e0f" stroke-width="2.5" stroke-dasharray="10 5""##
            }
            Band::Landslide => r##" stroke="#8a5a00" stroke-width="1.5""##,
            _ => r##" stroke="#5f7ea8" stroke-width="0.8""##,
        };
        let _ = write!(
            s,
            r#"<path d="{d}" fill="url(#{p}-{})" fill-rule="evenodd"{stroke}/>"#,
            band.id()
        );
    }

    // Roads: grey casing, then white fill, minor classes first.
    let width = |c: RoadClass| -> f64 {
        match c {
            RoadClass::Motorway | RoadClass::Primary => 9.0,
            RoadClass::Secondary => 6.5,
            RoadClass::Residential => 3.5,
            RoadClass::Service => 2.5,
            RoadClass::Footway | RoadClass::Steps => 1.6,
        }
    };
    let mut roads: Vec<_> = view.roads.iter().collect();
    roads.sort_by(|a, b| width(a.class).total_cmp(&width(b.class)));
    for pass in 0..2 {
        for r in &roads {
            let mut d = String::new();
            path_d(&proj, &r.coords, &mut d);
            let w = width(r.class);
            let minor = matches!(r.class, RoadClass::Footway | RoadClass::Steps);
            let (color, w) = match (pass, minor) {
                (0, true) => continue,
                (0, false) => ("#8c8c8c", w + 2.0),
                (_, true) => ("#777", w),
                (_, false) => ("#fff", w),
            };
            let dash = if minor {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            };
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="{w}" stroke-linecap="round" stroke-linejoin="round"{dash}/>"#
            );
        }
    }

    street_labels(&proj, view, &mut s);

    // Helper routes (dashed), then evacuation routes (bold, cased, arrow at the end).
    for r in &marks.helper_routes {
        let mut d = String::new();
        path_d(&proj, r, &mut d);
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#fff" stroke-width="9" stroke-linecap="round" stroke-linejoin="round" opacity="0.9"/><path d="{d}" fill="none" stroke="#1f3f7a" stroke-width="5" stroke-dasharray="14 8" stroke-linecap="butt" stroke-linejoin="round"/>"##
        );
    }
    for r in &marks.routes {
        let mut d = String::new();
        path_d(&proj, r, &mut d);
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke="#fff" stroke-width="14" stroke-linecap="round" stroke-linejoin="round"/><path d="{d}" fill="none" stroke="#b0001a" stroke-width="8" stroke-linecap="round" stroke-linejoin="round" marker-end="url(#{p}-arrow)"/>"##
        );
    }

    // Marks.
    let glyph = |s: &mut String, m: &Mark, shape: &str, text: &str, text_fill: &str| {
        let (x, y) = proj.xy(m.at);
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let _ = write!(
            s,
            r#"<g transform="translate({x:.1} {y:.1})">{shape}<text y="8" text-anchor="middle" font-size="23" font-weight="700" fill="{text_fill}">{}</text>"#,
            esc(text)
        );
        if !m.tag.is_empty() {
            let _ = write!(
                s,
                r##"<rect x="15" y="-34" width="{:.0}" height="22" rx="4" fill="#fff" stroke="#222" stroke-width="1.5"/><text x="{:.0}" y="-17" text-anchor="middle" font-size="16" font-weight="700" fill="#111">{}</text>"##,
                12.0 + 10.0 * m.tag.chars().count() as f64,
                21.0 + 5.0 * m.tag.chars().count() as f64,
                esc(&m.tag)
            );
        }
        s.push_str("</g>");
    };
    for m in &marks.helper_homes {
        glyph(&mut s, m, HELPER, lang.pick("支", "H"), "#1f3f7a");
    }
    for m in &marks.destinations {
        glyph(&mut s, m, DEST, lang.pick("避", "E"), "#fff");
    }
    for m in &marks.homes {
        glyph(&mut s, m, HOME, lang.pick("家", "P"), "#111");
    }

    // North arrow (top right).
    let _ = write!(
        s,
        r##"<g transform="translate({} 20)"><rect x="-24" y="0" width="48" height="66" rx="5" fill="#fff" fill-opacity="0.9" stroke="#444"/><path d="M0 8 L12 44 L0 36 L-12 44 Z" fill="#111"/><text y="61" text-anchor="middle" font-size="16" font-weight="700">N</text></g>"##,
        MAP_W - 36.0
    );

    // Scale bar (bottom right): the largest round length up to a quarter of the width.
    let len_m = round_length(MAP_W / 4.0 * proj.m_per_unit());
    let len_u = len_m / proj.m_per_unit();
    let x0 = MAP_W - 24.0 - len_u;
    let y0 = MAP_H - 22.0;
    let label = if len_m >= 1000.0 {
        format!("{} km", len_m / 1000.0)
    } else {
        format!("{len_m:.0} m")
    };
    let _ = write!(
        s,
        r##"<g><rect x="{:.1}" y="{:.1}" width="{:.1}" height="46" rx="4" fill="#fff" fill-opacity="0.9" stroke="#444"/><rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="7" fill="#111"/><rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="7" fill="#fff" stroke="#111" stroke-width="1.2"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="17">{}</text><text x="{x0:.1}" y="{:.1}" text-anchor="middle" font-size="14">0</text></g>"##,
        x0 - 16.0,
        y0 - 30.0,
        len_u + 32.0,
        len_u,
        len_u / 2.0,
        x0 + len_u / 2.0,
        y0 - 8.0,
        esc(&label),
        y0 - 8.0,
    );
    s.push_str("</g>");
    let _ = write!(
        s,
        r##"<rect x="0.75" y="0.75" width="{:.1}" height="{:.1}" fill="none" stroke="#333" stroke-width="1.5"/>"##,
        MAP_W - 1.5,
        MAP_H - 1.5
    );

    // Legend strip.
    let _ = write!(s, r#"<g font-size="17" transform="translate(0 {MAP_H})">"#);
    for (symbol, text, x, y) in &legend {
        let _ = write!(
            s,
            r#"<g transform="translate({x:.1} {y:.1})">{symbol}<text x="50" y="6">{}</text></g>"#,
            esc(text)
        );
    }
    s.push_str("</g></svg>");
    s
}

/// Approximate drawn width of `text` at `font_size` (CJK full width, other characters ~0.55 em).
fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars()
        .map(|c| if (c as u32) < 0x2000 { 0.56 } else { 1.0 })
        .sum::<f64>()
        * font_size
}

/// Legend items `(symbol, text, x, y)` flowed into rows across the strip, and the strip height.
fn legend_items(
    marks: &MapMarks,
    bands: &[Band],
    p: &str,
    lang: Lang,
) -> (Vec<(String, String, f64, f64)>, f64) {
    let mut items: Vec<(String, String)> = Vec::new();
    let sym = |body: &str| format!(r#"<g transform="translate(22 0)">{body}</g>"#);
    if !marks.routes.is_empty() {
        items.push((
            sym(r##"<path d="M-18 0 L18 0" stroke="#fff" stroke-width="14"/><path d="M-18 0 L14 0" stroke="#b0001a" stroke-width="8"/>"##),
            lang.pick("避難経路", "evacuation route").into(),
        ));
    }
    if !marks.helper_routes.is_empty() {
        items.push((
            sym(r##"<path d="M-18 0 L18 0" stroke="#1f3f7a" stroke-width="5" stroke-dasharray="10 6"/>"##),
            lang.pick("支援者の経路", "helper's route").into(),
        ));
    }
    let mark_sym = |shape: &str, text: &str, fill: &str| {
        sym(&format!(
            r#"<g transform="scale(0.7)">{shape}<text y="8" text-anchor="middle" font-size="23" font-weight="700" fill="{fill}">{}</text></g>"#,
            esc(text)
        ))
    };
    if !marks.homes.is_empty() {
        items.push((
            mark_sym(HOME, lang.pick("家", "P"), "#111"),
            lang.pick("自宅", "person's home").into(),
        ));
    }
    if !marks.helper_homes.is_empty() {
        items.push((
            mark_sym(HELPER, lang.pick("支", "H"), "#1f3f7a"),
            lang.pick("支援者宅", "helper's home").into(),
        ));
    }
    if !marks.destinations.is_empty() {
        items.push((
            mark_sym(DEST, lang.pick("避", "E"), "#fff"),
            lang.pick("避難先", "destination").into(),
        ));
    }
    for b in bands {
        items.push((
            sym(&format!(
                r##"<rect x="-18" y="-10" width="36" height="20" fill="url(#{p}-{})" stroke="#555"/>"##,
                b.id()
            )),
            b.label(lang).into(),
        ));
    }
    const ROW_H: f64 = 36.0;
    let (mut x, mut y) = (8.0, 26.0);
    let mut out = Vec::with_capacity(items.len());
    for (symbol, text) in items {
        let w = 50.0 + text_width(&text, 17.0) + 26.0;
        if x > 8.0 && x + w > MAP_W {
            x = 8.0;
            y += ROW_H;
        }
        out.push((symbol, text, x, y));
        x += w;
    }
    (out, y + ROW_H - 16.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(round_length(260.0), 250.0);
        assert_eq!(round_length(199.0), 100.0);
        assert_eq!(round_length(1200.0), 1000.0);
        assert_eq!(round_length(3.0), 2.5);
    }

    #[test]
    fn text_in_the_svg_is_escaped() {
        let view = MapView {
            min: LonLat::new(142.34, 43.75),
            max: LonLat::new(142.35, 43.756),
            roads: vec![],
            hazards: vec![],
        };
        let marks = MapMarks {
            id_prefix: "m\"><script>",
            homes: vec![Mark {
                at: LonLat::new(142.345, 43.753),
                tag: "<script>alert(1)</script>".into(),
            }],
            ..Default::default()
        };
        let svg = route_map_svg(&view, &marks, Lang::Ja);
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
