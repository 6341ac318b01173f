//! A deterministic synthetic city to plan for, at the scale of the seed document.
//!
//! No road network or roster for Asahikawa can be published, so this module builds one on the
//! city's real location: a grid of 条・丁目 blocks with arterials, three rivers crossed by few
//! bridges, flood-depth bands along them (ranks as in 国土数値情報 A31a), house-collapse strips
//! by the banks, landslide zones and stairways on the hilly western edge, 48 districts, shelters
//! of every kind, and a roster with the fiscal-2023 counts of the seed: 3,418 watched people,
//! 1,570 helpers, 649 caretakers, 261 coordinators and 124,624 watch records.
//!
//! The city is deliberately uneven, because the plans must show where help is missing: older
//! districts with more people, districts short of helpers, people across a river from every
//! helper, bedridden people who need two helpers and a car, volunteers in their eighties,
//! people who did not consent, and a few remote homes far from any road.
//!
//! Everything comes from one [`Rng`] seed with named sub-streams; the same seed and preset give
//! the same [`Map`] (and, written out, the same bytes).

mod names;

use crate::model::*;
use crate::rng::{Rng, apportion};
use geo::{LineString, MultiPolygon, Polygon};
use time::{Date, Duration, Month};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Preset {
    pub name: String,
    /// South-west corner of the street grid.
    pub origin: LonLat,
    /// Intersections east-west and north-south.
    pub cols: usize,
    pub rows: usize,
    /// Block edge in metres (Asahikawa's 条・丁目 blocks are about 100 m).
    pub block_m: f64,
    /// Districts laid out as `districts_x` × `districts_y` rectangles.
    pub districts_x: usize,
    pub districts_y: usize,
    pub people: usize,
    pub helpers: usize,
    pub caretakers: usize,
    pub coordinators: usize,
    pub records: u64,
    /// Watch records are dated in this fiscal year (April to March).
    pub fiscal_year: i32,
    pub evacuation_sites: usize,
    pub shelters: usize,
    pub welfare_shelters: usize,
    /// Every `arterial_every`-th street is an arterial.
    pub arterial_every: usize,
    /// Arterials crossing a river have a bridge every `bridge_every` streets.
    pub bridge_every: usize,
}

impl Preset {
    /// The whole city at the seed's fiscal-2023 scale.
    pub fn asahikawa_fy2023() -> Self {
        Preset {
            name: "旭川市（合成データ・令和5年度規模）".into(),
            origin: LonLat::new(142.245, 43.690),
            cols: 200,
            rows: 170,
            block_m: 100.0,
            districts_x: 8,
            districts_y: 6,
            people: 3418,
            helpers: 1570,
            caretakers: 649,
            coordinators: 261,
            records: 124_624,
            fiscal_year: 2023,
            evacuation_sites: 79,
            shelters: 190,
            welfare_shelters: 22,
            arterial_every: 5,
            bridge_every: 20,
        }
    }

    /// One small district, for documentation and fast tests.
    pub fn sample_district() -> Self {
        Preset {
            name: "サンプル地区（合成データ）".into(),
            origin: LonLat::new(142.330, 43.745),
            cols: 30,
            rows: 24,
            block_m: 100.0,
            districts_x: 1,
            districts_y: 1,
            people: 40,
            helpers: 26,
            caretakers: 5,
            coordinators: 2,
            records: 1200,
            fiscal_year: 2023,
            evacuation_sites: 3,
            shelters: 4,
            welfare_shelters: 2,
            arterial_every: 5,
            bridge_every: 10,
        }
    }

    /// Looks a preset up by its command-line name.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "asahikawa-fy2023" => Some(Self::asahikawa_fy2023()),
            "sample-district" => Some(Self::sample_district()),
            _ => None,
        }
    }

    fn width_m(&self) -> f64 {
        (self.cols - 1) as f64 * self.block_m
    }
    fn height_m(&self) -> f64 {
        (self.rows - 1) as f64 * self.block_m
    }
}

/// Local metres east/north of the preset origin to lon/lat (equirectangular; exact enough for a
/// generated city).
struct Plane {
    origin: LonLat,
    m_per_deg_lon: f64,
}

const M_PER_DEG_LAT: f64 = 111_132.0;

impl Plane {
    fn new(origin: LonLat) -> Self {
        Plane {
            origin,
            m_per_deg_lon: 111_320.0 * origin.lat.to_radians().cos(),
        }
    }
    fn ll(&self, x: f64, y: f64) -> LonLat {
        LonLat::new(
            self.origin.lon + x / self.m_per_deg_lon,
            self.origin.lat + y / M_PER_DEG_LAT,
        )
    }
}

/// A river as a curve: east-west rivers give y for x, north-south rivers x for y.
#[derive(Clone, Debug)]
struct River {
    name: &'static str,
    east_west: bool,
    base: f64,
    amp: f64,
    wavelength: f64,
    phase: f64,
    /// Extent along the flow axis (metres), outside which the river does not exist.
    from: f64,
    to: f64,
    /// Half-widths of the depth bands (rank 4, 3, 2, 1) and of the house-collapse strip, metres.
    bands: [f64; 4],
    collapse_m: f64,
}

impl River {
    fn at(&self, t: f64) -> f64 {
        self.base + self.amp * (std::f64::consts::TAU * t / self.wavelength + self.phase).sin()
    }
    /// Signed offset of a point from the river (positive north/east), if the river passes by.
    fn offset(&self, x: f64, y: f64) -> Option<f64> {
        let (t, s) = if self.east_west { (x, y) } else { (y, x) };
        (t >= self.from && t <= self.to).then(|| s - self.at(t))
    }
    /// True when the segment crosses the river.
    fn crosses(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        match (self.offset(a.0, a.1), self.offset(b.0, b.1)) {
            (Some(p), Some(q)) => p.signum() != q.signum(),
            _ => false,
        }
    }
    /// Flood depth rank at a point (4 nearest the river), if any.
    fn rank_at(&self, x: f64, y: f64) -> Option<u8> {
        let d = self.offset(x, y)?.abs();
        self.bands.iter().position(|b| d < *b).map(|i| 4 - i as u8)
    }
    /// The strip between offsets `d1` and `d2` (signed), as a polygon in metres.
    fn strip(&self, d1: f64, d2: f64, step: f64) -> Vec<(f64, f64)> {
        let mut ts = Vec::new();
        let mut t = self.from;
        while t < self.to {
            ts.push(t);
            t += step;
        }
        ts.push(self.to);
        let pt = |t: f64, d: f64| {
            if self.east_west {
                (t, self.at(t) + d)
            } else {
                (self.at(t) + d, t)
            }
        };
        let mut ring: Vec<(f64, f64)> = ts.iter().map(|t| pt(*t, d1)).collect();
        ring.extend(ts.iter().rev().map(|t| pt(*t, d2)));
        ring.push(ring[0]);
        ring
    }
}

fn rivers(p: &Preset) -> Vec<River> {
    let (w, h) = (p.width_m(), p.height_m());
    if p.districts_x * p.districts_y == 1 {
        // The sample district has one river with one bridge.
        return vec![River {
            name: "牛朱別川",
            east_west: true,
            base: h * 0.62,
            amp: 60.0,
            wavelength: 1400.0,
            phase: 0.3,
            from: -1.0,
            to: w + 1.0,
            bands: [40.0, 110.0, 260.0, 420.0],
            collapse_m: 30.0,
        }];
    }
    vec![
        River {
            name: "石狩川",
            east_west: true,
            base: h * 0.66,
            amp: 450.0,
            wavelength: 9000.0,
            phase: 0.7,
            from: -1.0,
            to: w + 1.0,
            bands: [90.0, 240.0, 560.0, 900.0],
            collapse_m: 60.0,
        },
        River {
            name: "忠別川",
            east_west: true,
            base: h * 0.30,
            amp: 350.0,
            wavelength: 7000.0,
            phase: 2.1,
            from: -1.0,
            to: w + 1.0,
            bands: [60.0, 180.0, 420.0, 700.0],
            collapse_m: 50.0,
        },
        River {
            name: "美瑛川",
            east_west: false,
            base: w * 0.22,
            amp: 300.0,
            wavelength: 6000.0,
            phase: 1.0,
            from: -1.0,
            to: h * 0.30,
            bands: [50.0, 150.0, 350.0, 600.0],
            collapse_m: 40.0,
        },
    ]
}

/// Builds the whole synthetic city. `shelters`, when given, replaces the generated shelters
/// (e.g. real 国土地理院 data).
pub fn generate(preset: &Preset, seed: u64, shelters: Option<Vec<Shelter>>) -> Map {
    let root = Rng::new(seed);
    let plane = Plane::new(preset.origin);
    let rivers = rivers(preset);
    let mut map = Map {
        meta: MapMeta {
            name: preset.name.clone(),
            municipality_code: "012041".into(),
            csv_encoding: "auto".into(),
            sources: vec![DataSource {
                name: format!("mimamori generate (seed {seed})"),
                attribution: "合成データ: 実在の人物・住所・電話番号ではありません (synthetic: no real person, address or phone number)".into(),
                licence: "CC0-1.0".into(),
                url: String::new(),
            }],
            consent: ConsentRules::default(),
            // The day after the fiscal year of the records: plans of the synthetic city are
            // drafted as of the same day whatever the clock says.
            as_of: Date::from_calendar_date(preset.fiscal_year + 1, Month::April, 1).ok(),
        },
        ..Map::default()
    };
    let grid = Grid {
        preset,
        plane: &plane,
        rivers: &rivers,
    };
    map.districts = grid.districts();
    map.roads = grid.roads(&mut root.fork("roads"));
    map.hazards = grid.hazards();
    map.shelters = match shelters {
        Some(s) => s,
        None => grid.shelters(&mut root.fork("shelters")),
    };
    grid.roster(&mut map, &mut root.fork("roster"));
    grid.watch_records(&mut map, &mut root.fork("records"));
    // Each district's 民生委員 as sheets print it: its first volunteer with that role.
    for (i, d) in map.districts.iter_mut().enumerate() {
        if let Some(v) = map
            .volunteers
            .iter()
            .find(|v| v.district == DistrictId(i as u32) && v.has_role(Role::Commissioner))
        {
            d.commissioner = format!("{} {}", v.name, v.phone);
        }
    }
    map
}

struct Grid<'a> {
    preset: &'a Preset,
    plane: &'a Plane,
    rivers: &'a [River],
}

impl Grid<'_> {
    fn xy(&self, col: usize, row: usize) -> (f64, f64) {
        (
            col as f64 * self.preset.block_m,
            row as f64 * self.preset.block_m,
        )
    }

    fn district_rect(&self, d: DistrictId) -> (f64, f64, f64, f64) {
        let p = self.preset;
        let (dx, dy) = (d.index() % p.districts_x, d.index() / p.districts_x);
        let (w, h) = (
            p.width_m() / p.districts_x as f64,
            p.height_m() / p.districts_y as f64,
        );
        (
            dx as f64 * w,
            dy as f64 * h,
            (dx + 1) as f64 * w,
            (dy + 1) as f64 * h,
        )
    }

    fn districts(&self) -> Vec<District> {
        let n = self.preset.districts_x * self.preset.districts_y;
        (0..n)
            .map(|i| {
                let (x0, y0, x1, y1) = self.district_rect(DistrictId(i as u32));
                let ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
                let name = if n == 1 {
                    "サンプル地区".to_owned()
                } else {
                    format!("{}地区", names::AREAS[i % names::AREAS.len()])
                };
                District {
                    code: format!("D{:02}", i + 1),
                    name,
                    boundary: Some(self.polygon(&ring)),
                    commissioner: String::new(),
                }
            })
            .collect()
    }

    fn polygon(&self, ring: &[(f64, f64)]) -> MultiPolygon<f64> {
        let ls: LineString<f64> = ring
            .iter()
            .map(|(x, y)| {
                let ll = self.plane.ll(*x, *y);
                (ll.lon, ll.lat)
            })
            .collect::<Vec<_>>()
            .into();
        MultiPolygon(vec![Polygon::new(ls, vec![])])
    }

    /// The hilly western edge: landslide zones and stairways.
    fn hilly(&self, x: f64, _y: f64) -> bool {
        self.preset.districts_x > 1 && x < self.preset.block_m * 6.0
    }

    fn roads(&self, rng: &mut Rng) -> Vec<Road> {
        let p = self.preset;
        let mut roads = Vec::new();
        // Streets run east-west (rows) and north-south (cols); each is cut where it crosses a
        // river without a bridge.
        for horizontal in [true, false] {
            let (lines, len) = if horizontal {
                (p.rows, p.cols)
            } else {
                (p.cols, p.rows)
            };
            for line in 0..lines {
                let arterial = line % p.arterial_every == 0;
                let class = if line % (p.arterial_every * 4) == 0 {
                    RoadClass::Primary
                } else if arterial {
                    RoadClass::Secondary
                } else {
                    RoadClass::Residential
                };
                let oneway = if class == RoadClass::Residential && rng.chance(0.08) {
                    if rng.chance(0.5) {
                        Oneway::Forward
                    } else {
                        Oneway::Backward
                    }
                } else {
                    Oneway::No
                };
                let has_bridge = arterial && line % p.bridge_every == 0;
                // Arterials carry street names for the sheets' maps: east-west ones are 条通,
                // north-south ones 丁目通, numbered from the south-west corner.
                let name = match (arterial, horizontal) {
                    (false, _) => String::new(),
                    (true, true) => format!("{}条通", line / p.arterial_every + 1),
                    (true, false) => format!("{}丁目通", line / p.arterial_every + 1),
                };
                let mut piece: Vec<LonLat> = Vec::new();
                let mut piece_bridge = false;
                let mut k = 0;
                let flush = |piece: &mut Vec<LonLat>,
                             bridge: bool,
                             roads: &mut Vec<Road>,
                             k: &mut usize| {
                    if piece.len() >= 2 {
                        roads.push(Road {
                            ext_id: format!(
                                "{}{:03}-{}",
                                if horizontal { "R" } else { "C" },
                                line,
                                k
                            ),
                            coords: std::mem::take(piece),
                            class,
                            bridge,
                            tunnel: false,
                            oneway,
                            wheelchair: None,
                            name: name.clone(),
                        });
                        *k += 1;
                    }
                    piece.clear();
                };
                for i in 0..len - 1 {
                    let (a, b) = if horizontal {
                        (self.xy(i, line), self.xy(i + 1, line))
                    } else {
                        (self.xy(line, i), self.xy(line, i + 1))
                    };
                    let crossing = self.rivers.iter().any(|r| r.crosses(a, b));
                    if crossing && !has_bridge {
                        flush(&mut piece, piece_bridge, &mut roads, &mut k);
                        piece_bridge = false;
                        continue;
                    }
                    // A bridge is its own road piece, so that it carries the bridge flag alone.
                    if crossing != piece_bridge {
                        let last = piece.last().copied();
                        flush(&mut piece, piece_bridge, &mut roads, &mut k);
                        piece.extend(last);
                        piece_bridge = crossing;
                    }
                    if piece.is_empty() {
                        piece.push(self.plane.ll(a.0, a.1));
                    }
                    piece.push(self.plane.ll(b.0, b.1));
                }
                flush(&mut piece, piece_bridge, &mut roads, &mut k);
            }
        }
        // Stairways and footpaths up the western hills: some residential blocks become steps.
        for r in roads.iter_mut() {
            let c = r.coords[0];
            let x = (c.lon - self.plane.origin.lon) * self.plane.m_per_deg_lon;
            if r.class == RoadClass::Residential && self.hilly(x, 0.0) && r.coords.len() <= 8 {
                r.class = RoadClass::Steps;
            }
        }
        // Short stair links inside hilly blocks (pedestrian shortcuts).
        if p.districts_x > 1 {
            for row in (3..p.rows - 1).step_by(7) {
                for col in 1..5 {
                    let (a, b) = (self.xy(col, row), self.xy(col + 1, row + 1));
                    roads.push(Road {
                        ext_id: format!("S{row:03}-{col}"),
                        coords: vec![self.plane.ll(a.0, a.1), self.plane.ll(b.0, b.1)],
                        class: if col % 2 == 0 {
                            RoadClass::Steps
                        } else {
                            RoadClass::Footway
                        },
                        bridge: false,
                        tunnel: false,
                        oneway: Oneway::No,
                        wheelchair: if col % 2 == 0 { Some(false) } else { None },
                        name: String::new(),
                    });
                }
            }
        }
        roads
    }

    fn hazards(&self) -> Vec<HazardZone> {
        let mut out = Vec::new();
        let step = 200.0;
        for (ri, r) in self.rivers.iter().enumerate() {
            let mut inner = 0.0;
            for (bi, outer) in r.bands.iter().enumerate() {
                let rank = 4 - bi as u8;
                for (side, sign) in [("n", 1.0), ("s", -1.0)] {
                    // Rank-4 strip straddles the river; outer bands are on each side.
                    if bi == 0 && side == "s" {
                        continue;
                    }
                    let ring = if bi == 0 {
                        r.strip(-outer, *outer, step)
                    } else {
                        r.strip(sign * inner, sign * outer, step)
                    };
                    out.push(HazardZone {
                        ext_id: format!("F{ri}-{rank}{side}"),
                        arrival_min: None,
                        duration_h: None,
                        kind: HazardKind::RiverFlood,
                        depth_rank: DepthRank::new(rank),
                        source: format!("{} 想定最大規模 (synthetic)", r.name),
                        geometry: self.polygon(&ring),
                    });
                }
                inner = *outer;
            }
            out.push(HazardZone {
                ext_id: format!("HC{ri}"),
                arrival_min: None,
                duration_h: None,
                kind: HazardKind::HouseCollapse,
                depth_rank: None,
                source: format!("{} 家屋倒壊等氾濫想定区域 (synthetic)", r.name),
                geometry: self.polygon(&r.strip(-r.collapse_m, r.collapse_m, step)),
            });
        }
        if self.preset.districts_x > 1 {
            // Landslide zones on the hilly western edge.
            for k in 0..7 {
                let (cx, cy) = (250.0, 1500.0 + k as f64 * 2100.0);
                let ring: Vec<(f64, f64)> = (0..=16)
                    .map(|i| {
                        let a = std::f64::consts::TAU * (i % 16) as f64 / 16.0;
                        (cx + 260.0 * a.cos(), cy + 180.0 * a.sin())
                    })
                    .collect();
                out.push(HazardZone {
                    ext_id: format!("L{k}"),
                    arrival_min: None,
                    duration_h: None,
                    kind: HazardKind::Landslide,
                    depth_rank: None,
                    source: "土砂災害警戒区域 (synthetic)".into(),
                    geometry: self.polygon(&ring),
                });
            }
        }
        out
    }

    fn flood_rank(&self, x: f64, y: f64) -> Option<u8> {
        self.rivers.iter().filter_map(|r| r.rank_at(x, y)).max()
    }

    fn random_point(&self, rng: &mut Rng, rect: (f64, f64, f64, f64)) -> (f64, f64) {
        // Homes sit inside blocks, 15-45 m from the nearest street.
        let b = self.preset.block_m;
        let (x0, y0, x1, y1) = rect;
        let cx = (rng.range_f64(x0, x1) / b).floor() * b;
        let cy = (rng.range_f64(y0, y1) / b).floor() * b;
        let jitter = |rng: &mut Rng| {
            let v = rng.range_f64(0.15, 0.45) * b;
            if rng.chance(0.5) { v } else { b - v }
        };
        (
            (cx + jitter(rng)).min(self.preset.width_m()),
            (cy + jitter(rng)).min(self.preset.height_m()),
        )
    }

    fn shelters(&self, rng: &mut Rng) -> Vec<Shelter> {
        let p = self.preset;
        let mut out = Vec::new();
        let nd = p.districts_x * p.districts_y;
        let total = p.evacuation_sites + p.shelters + p.welfare_shelters;
        for i in 0..total {
            let d = DistrictId((i % nd) as u32);
            let (x, y) = self.random_point(rng, self.district_rect(d));
            let area = self.area(d);
            let rank = self.flood_rank(x, y);
            let safe_from_flood = rank.is_none_or(|r| r <= 1);
            let (kind, name, capacity, indoor, barrier_free, welfare_access) =
                if i < p.evacuation_sites {
                    let outdoor = i % 3 == 0;
                    if outdoor {
                        (
                            ShelterKind::EvacuationSite,
                            format!("{area}公園"),
                            rng.range_i(800, 3000) as u32,
                            false,
                            false,
                            None,
                        )
                    } else {
                        (
                            ShelterKind::EvacuationSite,
                            format!("{area}地区センター"),
                            rng.range_i(150, 400) as u32,
                            true,
                            rng.chance(0.6),
                            None,
                        )
                    }
                } else if i < p.evacuation_sites + p.shelters {
                    let school = ["小学校", "中学校", "高等学校", "住民センター", "公民館"][i % 5];
                    let cap = if school.ends_with("学校") {
                        rng.range_i(250, 700)
                    } else {
                        rng.range_i(60, 180)
                    };
                    (
                        ShelterKind::Shelter,
                        format!("旭川市立{area}{school}"),
                        cap as u32,
                        true,
                        rng.chance(0.55),
                        None,
                    )
                } else {
                    let direct = i % 3 == 0;
                    let access = if direct {
                        WelfareAccess::Direct
                    } else {
                        WelfareAccess::TransferOnly
                    };
                    let facility = ["特別養護老人ホーム", "老人保健施設", "障害者支援施設"][i % 3];
                    (
                        ShelterKind::WelfareShelter,
                        format!("{area}{facility}"),
                        rng.range_i(10, 40) as u32,
                        true,
                        true,
                        Some(access),
                    )
                };
            let mut hazards = HazardSet::default();
            if safe_from_flood {
                hazards.insert(HazardType::Flood);
                hazards.insert(HazardType::InlandFlood);
            }
            if !self.hilly(x, y) {
                hazards.insert(HazardType::Landslide);
            }
            hazards.insert(HazardType::Earthquake);
            if !indoor {
                hazards.insert(HazardType::LargeFire);
            }
            let ll = self.plane.ll(x, y);
            out.push(Shelter {
                ext_id: format!("S{:04}", i + 1),
                name,
                address: self.address(d, x, y, rng),
                location: ll,
                kind,
                hazards,
                capacity,
                indoor,
                barrier_free,
                welfare_access,
            });
        }
        out
    }

    fn area(&self, d: DistrictId) -> &'static str {
        if self.preset.districts_x * self.preset.districts_y == 1 {
            "サンプル町"
        } else {
            names::AREAS[d.index() % names::AREAS.len()]
        }
    }

    fn address(&self, d: DistrictId, x: f64, y: f64, rng: &mut Rng) -> String {
        let area = self.area(d);
        let jo = (y / 600.0) as u32 % 12 + 1;
        let chome = (x / 400.0) as u32 % 20 + 1;
        format!(
            "北海道旭川市{area}{jo}条{chome}丁目{}番{}号",
            rng.range_i(1, 30),
            rng.range_i(1, 20)
        )
    }

    fn name(&self, rng: &mut Rng, sex: Sex) -> (String, String) {
        let (sn, sk) = *rng.pick(names::SURNAMES);
        let (gn, gk) = *rng.pick(if sex == Sex::Male {
            names::MALE
        } else {
            names::FEMALE
        });
        (format!("{sn} {gn}"), format!("{sk} {gk}"))
    }

    fn phone(rng: &mut Rng, mobile: bool) -> String {
        // Local numbers whose exchange part starts with 0 are never assigned: no real number.
        if mobile {
            format!("090-0{:03}-{:04}", rng.below(1000), rng.below(10000))
        } else {
            format!("0166-0{}-{:04}", rng.below(10), rng.below(10000))
        }
    }

    fn roster(&self, map: &mut Map, rng: &mut Rng) {
        let p = self.preset;
        let nd = map.districts.len();
        // Older districts (towards the centre) hold more people; some districts are short of
        // helpers (weights drawn independently).
        let people_w: Vec<f64> = (0..nd).map(|_| rng.range_f64(0.5, 1.8)).collect();
        let helper_w: Vec<f64> = (0..nd)
            .map(|i| {
                if nd > 1 && i % 7 == 3 {
                    rng.range_f64(0.15, 0.35)
                } else {
                    rng.range_f64(0.7, 1.4)
                }
            })
            .collect();
        let people_per = apportion(p.people as u64, &people_w);
        let helpers_per = apportion(p.helpers as u64, &helper_w);
        let care_per = apportion(p.caretakers as u64, &vec![1.0; nd]);
        let coord_per = apportion(p.coordinators as u64, &vec![1.0; nd]);
        let fy_start =
            Date::from_calendar_date(p.fiscal_year, Month::April, 1).expect("valid date");
        let as_of = fy_start + Duration::days(365);
        for d in 0..nd {
            let did = DistrictId(d as u32);
            let rect = self.district_rect(did);
            for _ in 0..people_per[d] {
                let person = self.person(rng, did, rect, as_of, map.people.len());
                map.people.push(person);
            }
            let roles: Vec<(u64, Role)> = vec![
                (helpers_per[d], Role::Helper),
                (care_per[d], Role::Caretaker),
                (coord_per[d], Role::Coordinator),
            ];
            for (n, role) in roles {
                for _ in 0..n {
                    let v =
                        self.volunteer(rng, did, rect, role, as_of.year(), map.volunteers.len());
                    map.volunteers.push(v);
                }
            }
        }
        // In districts split by a river, move the helpers of a few districts to one bank so
        // that some people are across the river from every helper of their district.
        if nd > 1 {
            for v in map.volunteers.iter_mut() {
                if v.district.index() % 11 == 5 && v.has_role(Role::Helper) {
                    let (x, y) = self.to_xy(v.home);
                    let r = &self.rivers[0];
                    if let Some(off) = r.offset(x, y)
                        && off < 0.0
                    {
                        let ny = (r.at(x) + off.abs()).min(self.district_rect(v.district).3 - 1.0);
                        v.home = self.plane.ll(x, ny);
                    }
                }
            }
        }
    }

    fn to_xy(&self, ll: LonLat) -> (f64, f64) {
        (
            (ll.lon - self.plane.origin.lon) * self.plane.m_per_deg_lon,
            (ll.lat - self.plane.origin.lat) * M_PER_DEG_LAT,
        )
    }

    fn person(
        &self,
        rng: &mut Rng,
        district: DistrictId,
        rect: (f64, f64, f64, f64),
        as_of: Date,
        index: usize,
    ) -> Person {
        let sex = if rng.chance(0.62) {
            Sex::Female
        } else {
            Sex::Male
        };
        let (name, kana) = self.name(rng, sex);
        let age = if rng.chance(0.1) {
            rng.range_i(25, 64)
        } else {
            rng.range_i(65, 101)
        } as i32;
        let birth_date = Date::from_calendar_date(
            as_of.year() - age,
            Month::try_from(rng.range_i(1, 12) as u8).expect("1-12"),
            rng.range_i(1, 28) as u8,
        )
        .expect("valid date");
        let mobility = [
            Mobility::WalksAlone,
            Mobility::WalksWithHelp,
            Mobility::Wheelchair,
            Mobility::Bedridden,
        ][rng.weighted(&[0.34, 0.40, 0.18, 0.08])];
        let (mut x, mut y) = self.random_point(rng, rect);
        // A few remote homes in the mountains beyond the street grid (江丹別-like).
        let remote = self.preset.districts_x > 1 && district.index() == 0 && rng.chance(0.12);
        if remote {
            x = -rng.range_f64(600.0, 2000.0);
            y = rng.range_f64(rect.1, rect.3);
        }
        let household = *rng.pick(&[
            Household::Alone,
            Household::Alone,
            Household::ElderlyCouple,
            Household::ElderlyCouple,
            Household::WithFamily,
            Household::WithFamily,
            Household::Alone,
            Household::Facility,
        ]);
        let mut reasons = Vec::new();
        if age >= 65 {
            match rng.below(4) {
                0 => reasons.push(SupportReason::CareLevel(match mobility {
                    Mobility::Bedridden => rng.range_i(4, 5) as u8,
                    Mobility::Wheelchair => rng.range_i(2, 4) as u8,
                    _ => rng.range_i(1, 3) as u8,
                })),
                1 => reasons.push(SupportReason::SupportLevel(rng.range_i(1, 2) as u8)),
                2 => reasons.push(SupportReason::PhysicalDisability(rng.range_i(1, 4) as u8)),
                _ => reasons.push(SupportReason::SelfApplied),
            }
        } else {
            let grade = rng.range_i(1, 2) as u8;
            let options = [
                SupportReason::PhysicalDisability(grade),
                SupportReason::IntellectualDisability,
                SupportReason::MentalDisability(grade),
                SupportReason::IntractableDisease,
            ];
            reasons.push(*rng.pick(&options));
        }
        if mobility == Mobility::Bedridden && !matches!(reasons[0], SupportReason::CareLevel(_)) {
            reasons.insert(0, SupportReason::CareLevel(rng.range_i(4, 5) as u8));
        }
        let mut needs = Vec::new();
        let dementia = age >= 75 && rng.chance(0.18);
        if dementia {
            reasons.push(SupportReason::Dementia);
            needs.push(Need::Cognition);
        }
        match household {
            Household::Alone => reasons.push(SupportReason::LivingAlone),
            Household::ElderlyCouple => reasons.push(SupportReason::ElderlyCouple),
            _ => {}
        }
        for (need, p) in [
            (Need::PoweredDevice, 0.03),
            (Need::Oxygen, 0.04),
            (Need::Dialysis, 0.03),
            (Need::Hearing, 0.08),
            (Need::Sight, 0.05),
            (Need::Language, 0.01),
        ] {
            let p = if need == Need::PoweredDevice && mobility == Mobility::Bedridden {
                0.3
            } else {
                p
            };
            if rng.chance(p) {
                needs.push(need);
            }
        }
        let floors = if rng.chance(0.06) {
            rng.range_i(3, 10) as u8
        } else if rng.chance(0.45) {
            1
        } else {
            2
        };
        let bedroom_floor = if floors >= 3 {
            rng.range_i(1, floors as i64) as u8
        } else if floors == 2 && rng.chance(0.3) {
            2
        } else {
            1
        };
        let structure = if floors >= 3 {
            Structure::Concrete
        } else if rng.chance(0.85) {
            Structure::Wood
        } else {
            Structure::Steel
        };
        let mut contacts = Vec::new();
        for k in 0..(if rng.chance(0.15) {
            0
        } else if rng.chance(0.5) {
            1
        } else {
            2
        }) {
            let (cname, _) = self.name(rng, if k == 0 { Sex::Female } else { Sex::Male });
            contacts.push(Contact {
                name: cname,
                relation: rng.pick(names::RELATIONS).to_string(),
                phone: Self::phone(rng, true),
            });
        }
        let consent_plan = rng.chance(0.86);
        let consent_share = consent_plan && rng.chance(0.85);
        let daytime_place = if rng.chance(0.2) {
            rng.pick(names::DAYTIME_PLACES).to_string()
        } else {
            String::new()
        };
        // A household member who can help: a separate stream, so adding it changed no other
        // field of the generated city. Working family members are away on weekdays by day.
        let mut family_rng = rng.fork("family_helper");
        let family_helper = match household {
            Household::WithFamily if family_rng.chance(0.7) => Some(if family_rng.chance(0.6) {
                Availability {
                    weekday_day: false,
                    ..Availability::ALWAYS
                }
            } else {
                Availability::ALWAYS
            }),
            Household::ElderlyCouple if family_rng.chance(0.25) => Some(Availability::ALWAYS),
            _ => None,
        };
        // Family doctor and care manager: separate streams too (added later, like the above).
        let mut care_rng = rng.fork("care_contacts");
        let family_doctor = if care_rng.chance(0.8) {
            format!(
                "{}{} {}",
                care_rng.pick(names::SURNAMES).0,
                care_rng.pick(names::CLINICS),
                Self::phone(&mut care_rng, false)
            )
        } else {
            String::new()
        };
        let care_level = reasons.iter().any(|r| {
            matches!(
                r,
                SupportReason::CareLevel(_) | SupportReason::SupportLevel(_)
            )
        });
        let disability = reasons.iter().any(|r| {
            matches!(
                r,
                SupportReason::PhysicalDisability(_)
                    | SupportReason::IntellectualDisability
                    | SupportReason::MentalDisability(_)
            )
        });
        let care_manager = if (care_level || disability) && care_rng.chance(0.9) {
            let (cname, _) = self.name(&mut care_rng, Sex::Female);
            let office = if care_level {
                "居宅介護支援事業所"
            } else {
                "相談支援事業所"
            };
            format!(
                "{}{office} {cname} {}",
                self.area(district),
                Self::phone(&mut care_rng, false)
            )
        } else {
            String::new()
        };
        let notes = match mobility {
            Mobility::Bedridden => "介護ベッド使用。移動は担架または車両。",
            Mobility::Wheelchair => "車いすは折りたたみ式。",
            _ if dementia => "夜間に不安が強くなることがある。",
            _ => "",
        };
        Person {
            ext_id: format!("P{:05}", index + 1),
            district,
            home: self.plane.ll(x, y),
            address: self.address(district, x.max(0.0), y, rng),
            name,
            kana,
            birth_date,
            sex,
            phone: Self::phone(rng, false),
            reasons,
            mobility,
            helpers_needed: mobility.default_helpers_needed(),
            needs,
            building: Building {
                floors,
                bedroom_floor,
                structure,
            },
            household,
            contacts,
            consent: Consent {
                plan: consent_plan,
                share: consent_share,
            },
            daytime_place,
            notes: notes.into(),
            family_helper,
            family_doctor,
            care_manager,
        }
    }

    fn volunteer(
        &self,
        rng: &mut Rng,
        district: DistrictId,
        rect: (f64, f64, f64, f64),
        role: Role,
        year: i32,
        index: usize,
    ) -> Volunteer {
        let sex = if rng.chance(0.55) {
            Sex::Female
        } else {
            Sex::Male
        };
        let (name, _) = self.name(rng, sex);
        // Volunteers are mostly in their sixties and seventies; some are in their eighties.
        let age = [(40, 59), (60, 69), (70, 79), (80, 88)][rng.weighted(&[0.15, 0.35, 0.38, 0.12])];
        let age = rng.range_i(age.0, age.1) as i32;
        let (x, y) = self.random_point(rng, rect);
        let mut roles = vec![role];
        if role == Role::Helper && rng.chance(0.06) {
            roles.push(Role::Commissioner);
        }
        let mut skills = Vec::new();
        for (s, p) in [
            (Skill::Car, if age >= 80 { 0.15 } else { 0.45 }),
            (Skill::Wheelchair, 0.22),
            (Skill::Stretcher, if age >= 70 { 0.04 } else { 0.18 }),
            (Skill::Nursing, 0.08),
        ] {
            if rng.chance(p) {
                skills.push(s);
            }
        }
        let availability = match rng.weighted(&[0.5, 0.32, 0.06, 0.12]) {
            0 => Availability::ALWAYS,
            1 => Availability {
                weekday_day: true,
                weekday_night: false,
                weekend_day: true,
                weekend_night: false,
            },
            2 => Availability {
                weekday_day: false,
                weekday_night: true,
                weekend_day: false,
                weekend_night: true,
            },
            _ => Availability {
                weekday_day: false,
                weekday_night: true,
                weekend_day: true,
                weekend_night: true,
            },
        };
        // A separate stream: adding the address changed no other field of the city.
        let address = self.address(district, x.max(0.0), y, &mut rng.fork("volunteer_address"));
        Volunteer {
            ext_id: format!("V{:05}", index + 1),
            district,
            home: self.plane.ll(x, y),
            address,
            name,
            phone: {
                let mobile = rng.chance(0.6);
                Self::phone(rng, mobile)
            },
            birth_year: year - age,
            roles,
            capacity: if age >= 80 {
                1
            } else {
                rng.weighted(&[0.45, 0.4, 0.15]) as u8 + 1
            },
            skills,
            availability,
            consent_named: rng.chance(0.93),
        }
    }

    fn watch_records(&self, map: &mut Map, rng: &mut Rng) {
        let p = self.preset;
        let start = Date::from_calendar_date(p.fiscal_year, Month::April, 1).expect("valid date");
        let days = (Date::from_calendar_date(p.fiscal_year + 1, Month::April, 1)
            .expect("valid date")
            - start)
            .whole_days();
        // Watchers: the nearest few volunteers of the person's district, mostly helpers.
        let mut by_district: Vec<Vec<VolunteerId>> = vec![Vec::new(); map.districts.len()];
        for id in map.volunteer_ids() {
            by_district[map.volunteer(id).district.index()].push(id);
        }
        let weights: Vec<f64> = (0..map.people.len())
            .map(|_| 0.2 + rng.f64() * rng.f64() * 3.0)
            .collect();
        let counts = apportion(p.records, &weights);
        let mut records = Vec::with_capacity(p.records as usize);
        for pid in map.person_ids() {
            let person = map.person(pid);
            let mut near: Vec<(f64, VolunteerId)> = by_district[person.district.index()]
                .iter()
                .map(|v| (map.volunteer(*v).home.distance_m(person.home), *v))
                .collect();
            near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let helpers: Vec<VolunteerId> = near
                .iter()
                .filter(|(_, v)| map.volunteer(*v).has_role(Role::Helper))
                .take(4)
                .map(|(_, v)| *v)
                .collect();
            let others: Vec<VolunteerId> = near
                .iter()
                .filter(|(_, v)| !map.volunteer(*v).has_role(Role::Helper))
                .take(2)
                .map(|(_, v)| *v)
                .collect();
            let mut watchers = Vec::new();
            if let Some(h) = helpers.get(
                rng.below(helpers.len().max(1))
                    .min(helpers.len().saturating_sub(1)),
            ) {
                watchers.push(*h);
            }
            if rng.chance(0.3)
                && let Some(o) = others.first()
            {
                watchers.push(*o);
            }
            if watchers.is_empty() {
                watchers.extend(near.first().map(|(_, v)| *v));
            }
            if watchers.is_empty() {
                continue;
            }
            // About one in twenty people has not been contacted in the last quarter.
            let span = if rng.chance(0.05) { days - 120 } else { days };
            for _ in 0..counts[pid.index()] {
                let volunteer = watchers[rng.below(watchers.len())];
                let method = match rng.weighted(&[0.45, 0.3, 0.25]) {
                    0 => WatchMethod::Visit,
                    1 => WatchMethod::Phone,
                    _ => WatchMethod::Observation,
                };
                let outcome = match rng.weighted(&[0.86, 0.09, 0.05]) {
                    0 => WatchOutcome::Fine,
                    1 => WatchOutcome::Concern,
                    _ => WatchOutcome::NoAnswer,
                };
                let concern = (outcome == WatchOutcome::Concern).then(|| *rng.pick(Concern::ALL));
                let referral = (concern.is_some() && rng.chance(0.3)).then(|| {
                    *rng.pick(&[
                        Referral::SupportCenter,
                        Referral::SupportCenter,
                        Referral::Commissioner,
                        Referral::City,
                        Referral::Medical,
                    ])
                });
                records.push(WatchRecord {
                    date: start + Duration::days(rng.below(span as usize) as i64),
                    person: pid,
                    volunteer,
                    method,
                    outcome,
                    concern,
                    referral,
                });
            }
        }
        records.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then(a.person.cmp(&b.person))
                .then(a.volunteer.cmp(&b.volunteer))
        });
        map.records = records;
    }
}
