//! The city model: districts, people needing support, volunteers, shelters, hazard zones,
//! roads and watch records. Pure data, no I/O.
//!
//! Every entity lives in a `Vec` arena inside [`Map`] and is addressed by a dense typed ID
//! ([`PersonId`], [`VolunteerId`], ...). Each entity also keeps the external reference the user
//! knows (roster row id, GSI 共通ID, OSM way id); messages show that, never only an index.
//! Typed IDs are positions in one loaded map: they implement no `Serialize`, so they cannot be
//! written anywhere. Files, the store, the API and plans key everything by the data's own ids,
//! and deleting a row renumbers nothing that was saved.
//! Coordinates are WGS84 `(lon, lat)` everywhere ([`LonLat`]).

mod enums;

pub use enums::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The arena index.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

typed_id!(
    /// Index of a [`District`] in [`Map::districts`].
    DistrictId
);
/// Only for records read back without their district (the store sets it right after).
impl Default for DistrictId {
    fn default() -> Self {
        DistrictId(0)
    }
}
typed_id!(
    /// Index of a [`Person`] in [`Map::people`].
    PersonId
);
typed_id!(
    /// Index of a [`Volunteer`] in [`Map::volunteers`].
    VolunteerId
);
typed_id!(
    /// Index of a [`Shelter`] in [`Map::shelters`].
    ShelterId
);
typed_id!(
    /// Index of a [`HazardZone`] in [`Map::hazards`].
    HazardId
);
typed_id!(
    /// Index of a [`Road`] in [`Map::roads`].
    RoadId
);

/// A WGS84 position, longitude first.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m).
    pub fn distance_m(self, other: LonLat) -> f64 {
        use geo::{Distance, Haversine, Point};
        Haversine.distance(
            Point::new(self.lon, self.lat),
            Point::new(other.lon, other.lat),
        )
    }

    pub fn to_point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }
}

/// What the map folder says about itself (`map.toml`). Unknown keys are refused at every level,
/// so a misspelt table (`[consnt]`) cannot silently drop a setting.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapMeta {
    /// Display name of the map, e.g. "旭川市（合成データ）".
    pub name: String,
    /// 全国地方公共団体コード (6 digits, e.g. "012041" for Asahikawa).
    #[serde(default)]
    pub municipality_code: String,
    /// Encoding of the CSV files: "auto" (UTF-8 when valid, else Shift_JIS; the default),
    /// "utf-8" (BOM optional) or "shift_jis".
    #[serde(default = "default_encoding")]
    pub csv_encoding: String,
    /// The date the data describe (`as_of = "2024-04-01"`): plans are drafted and dates judged
    /// as of this day when no `--as-of` is given. Absent: today.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "date_text")]
    pub as_of: Option<Date>,
    /// Where the data came from, with the attribution each licence requires.
    #[serde(default)]
    pub sources: Vec<DataSource>,
    /// Consent rules of this municipality.
    #[serde(default)]
    pub consent: ConsentRules,
}

/// `Option<Date>` as `"YYYY-MM-DD"` text (a TOML date `2024-04-01` is read too).
mod date_text {
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserializer, Serializer};
    use std::fmt;
    use time::Date;
    use time::macros::format_description;

    fn parse<E: de::Error>(s: &str) -> Result<Date, E> {
        Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
            .map_err(|_| E::custom("expected a date written YYYY-MM-DD, such as \"2024-04-01\""))
    }

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Date>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse(v).map(Some)
            }
            // TOML's own date type arrives as a one-entry map holding its text.
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let Some((_, text)) = m.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("expected a date written YYYY-MM-DD"));
                };
                parse(&text).map(Some)
            }
        }
        d.deserialize_any(V)
    }
}

/// Plausibility rules for dates in a map folder, judged against the as-of date (the day plans
/// are drafted for). Each bound is a policy setting with its reason; `docs/data-format.md`
/// ("Plausibility rules") lists them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plausibility {
    /// No birth date before this day. 1900-01-01: nobody born earlier is alive (stated; the
    /// oldest person ever verified in Japan, Tanaka Kane, was born in 1903).
    pub earliest_birth: Date,
    /// Oldest plausible age of a person, years. 120: above every verified human lifespan
    /// (122, Jeanne Calment) rounded down, stated.
    pub max_age: i32,
    /// Youngest plausible volunteer, years. 15: the end of compulsory schooling (中学校卒業);
    /// younger helpers join drills with their families, not as named helpers (stated).
    pub volunteer_min_age: i32,
    /// Oldest plausible volunteer, years (stated; the plan warns from 75 separately).
    pub volunteer_max_age: i32,
    /// Watch records older than this many years before the as-of date are refused as a likely
    /// wrong date: rosters are reviewed every year (内閣府「避難行動要支援者の避難行動支援に関する
    /// 取組指針」 asks for regular updates), so a ten-year-old record is a typo (stated).
    pub record_window_years: i32,
    /// Earliest accepted as-of date (stated: before the 2013 law no roster existed to plan from;
    /// 2000 leaves room for old test data).
    pub earliest_as_of: Date,
    /// Latest accepted as-of date (stated).
    pub latest_as_of: Date,
}

impl Default for Plausibility {
    fn default() -> Self {
        use time::macros::date;
        Self {
            earliest_birth: date!(1900 - 01 - 01),
            max_age: 120,
            volunteer_min_age: 15,
            volunteer_max_age: 100,
            record_window_years: 10,
            earliest_as_of: date!(2000 - 01 - 01),
            latest_as_of: date!(2100 - 12 - 31),
        }
    }
}

/// The same day `years` years earlier (29 February becomes 28 February).
pub fn years_before(d: Date, years: i32) -> Date {
    let y = d.year() - years;
    d.replace_year(y)
        .unwrap_or_else(|_| Date::from_calendar_date(y, d.month(), 28).unwrap_or(Date::MIN))
}

impl Plausibility {
    /// Birth dates accepted on `as_of`: ages 0 to `max_age`, not before `earliest_birth`.
    pub fn birth_range(&self, as_of: Date) -> (Date, Date) {
        // Age ≤ max_age means born after the same day max_age + 1 years earlier.
        let oldest = years_before(as_of, self.max_age + 1)
            .next_day()
            .unwrap_or(Date::MIN);
        (oldest.max(self.earliest_birth), as_of)
    }

    /// Volunteer birth years accepted on `as_of` (age counted as the difference of years, as
    /// the planner does).
    pub fn volunteer_birth_years(&self, as_of: Date) -> (i32, i32) {
        (
            as_of.year() - self.volunteer_max_age,
            as_of.year() - self.volunteer_min_age,
        )
    }

    /// Watch record dates accepted on `as_of`.
    pub fn record_range(&self, as_of: Date) -> (Date, Date) {
        (years_before(as_of, self.record_window_years), as_of)
    }

    /// Whether `as_of` itself is within the accepted range.
    pub fn as_of_ok(&self, as_of: Date) -> bool {
        (self.earliest_as_of..=self.latest_as_of).contains(&as_of)
    }
}

/// Checks a 全国地方公共団体コード (JIS X 0402): six digits, the last the 検査数字. The check
/// digit is computed from the first five with weights 6, 5, 4, 3, 2: r = sum mod 11, and the
/// check digit is the last digit of 11 − r (so r = 0 gives 1 and r = 1 gives 0), as 総務省
/// 「全国地方公共団体コード仕様」 defines it. E.g. 012041 (Asahikawa): 5 + 8 + 8 = 21, r = 10, 1.
/// The prefecture part (first two digits) must be 01–47.
pub fn municipality_code_ok(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = |i: usize| u32::from(b[i] - b'0');
    let pref = d(0) * 10 + d(1);
    if !(1..=47).contains(&pref) {
        return false;
    }
    let sum: u32 = [6, 5, 4, 3, 2]
        .iter()
        .enumerate()
        .map(|(i, w)| w * d(i))
        .sum();
    (11 - sum % 11) % 10 == d(5)
}

fn default_encoding() -> String {
    "auto".into()
}

/// One data source and its required attribution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSource {
    pub name: String,
    #[serde(default)]
    pub attribution: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub url: String,
}

/// Consent rules, a setting per municipality: some switch plan sharing to opt-out by ordinance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRules {
    /// true: sharing a plan in normal times needs the person's explicit consent (the default in
    /// the 災害対策基本法); false: an ordinance makes sharing opt-out.
    pub sharing_opt_in: bool,
}

impl Default for ConsentRules {
    fn default() -> Self {
        Self {
            sharing_opt_in: true,
        }
    }
}

/// A district (地区) of the welfare council.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct District {
    /// The council's district code, e.g. "D01".
    pub code: String,
    pub name: String,
    /// Boundary, if known (`districts.geojson`).
    pub boundary: Option<geo::MultiPolygon<f64>>,
    /// The district's welfare commissioner(s) (民生委員) as printed on plan sheets: name(s)
    /// and contact, free text (`districts.geojson` property `commissioner`); empty: unknown,
    /// the sheet leaves a line to fill in by hand.
    #[serde(default)]
    pub commissioner: String,
}

/// An emergency contact (緊急連絡先).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// The home building (住まい).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Building {
    /// Floors above ground (1 for a bungalow).
    pub floors: u8,
    /// Floor of the bedroom (1 = ground floor).
    pub bedroom_floor: u8,
    pub structure: Structure,
}

/// Consent given by the person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Consent to drafting an individual plan. Without it no plan is drafted.
    pub plan: bool,
    /// Consent to giving the plan to community bodies in normal times.
    pub share: bool,
}

/// A person needing support (避難行動要支援者), usually also watched (見守り対象者).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Roster id the district uses, e.g. "P00001".
    pub ext_id: String,
    /// Its district; written by code where stored (the arena index is never serialised).
    #[serde(skip)]
    pub district: DistrictId,
    pub home: LonLat,
    pub address: String,
    pub name: String,
    pub kana: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub phone: String,
    /// Why support is needed (避難支援等を必要とする事由); at least one.
    pub reasons: Vec<SupportReason>,
    pub mobility: Mobility,
    /// Helpers needed to evacuate (2 for bedridden people by default).
    pub helpers_needed: u8,
    pub needs: Vec<Need>,
    pub building: Building,
    pub household: Household,
    /// Up to two emergency contacts.
    pub contacts: Vec<Contact>,
    pub consent: Consent,
    /// Where the person is by day when not at home (day service, work), free text.
    pub daytime_place: String,
    pub notes: String,
    /// When a household member living with the person can help them evacuate (roster column
    /// `family_helper`); `None`: nobody at home can. A family member who can is the first
    /// helper whenever at home; neighbours are drafted for the rest.
    #[serde(default)]
    pub family_helper: Option<Availability>,
    /// Family doctor (かかりつけ医): name and contact, free text; empty: unknown.
    #[serde(default)]
    pub family_doctor: String,
    /// Care manager (ケアマネジャー) or disability support counsellor (相談支援専門員): name
    /// and contact, free text; empty: unknown.
    #[serde(default)]
    pub care_manager: String,
}

impl Person {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        let mut age = on.year() - self.birth_date.year();
        if (on.month() as u8, on.day()) < (self.birth_date.month() as u8, self.birth_date.day()) {
            age -= 1;
        }
        age
    }

    pub fn has_need(&self, need: Need) -> bool {
        self.needs.contains(&need)
    }
}

/// A volunteer with one or more roles (担い手, 世話係, 地域コーディネーター, 民生委員).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Volunteer {
    /// Roster id, e.g. "V00001".
    pub ext_id: String,
    /// Its district; written by code where stored (the arena index is never serialised).
    #[serde(skip)]
    pub district: DistrictId,
    pub home: LonLat,
    pub name: String,
    pub phone: String,
    /// Home address (住所): the law names it among the helper's details on a plan
    /// (災害対策基本法 49条の14 ③); empty: not on the roster.
    #[serde(default)]
    pub address: String,
    pub birth_year: i32,
    pub roles: Vec<Role>,
    /// How many people the volunteer can escort in a disaster.
    pub capacity: u8,
    pub skills: Vec<Skill>,
    pub availability: Availability,
    /// Consent to be named as a helper in plans.
    pub consent_named: bool,
}

impl Volunteer {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn has_skill(&self, skill: Skill) -> bool {
        self.skills.contains(&skill)
    }
}

/// When a volunteer can help.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub weekday_day: bool,
    pub weekday_night: bool,
    pub weekend_day: bool,
    pub weekend_night: bool,
}

impl Availability {
    pub const ALWAYS: Availability = Availability {
        weekday_day: true,
        weekday_night: true,
        weekend_day: true,
        weekend_night: true,
    };

    /// Available by day on some day of the week.
    pub fn any_day(self) -> bool {
        self.weekday_day || self.weekend_day
    }
    /// Available at night on some day of the week.
    pub fn any_night(self) -> bool {
        self.weekday_night || self.weekend_night
    }
    /// Available at this time of the week.
    pub fn at(self, weekend: bool, night: bool) -> bool {
        match (weekend, night) {
            (false, false) => self.weekday_day,
            (false, true) => self.weekday_night,
            (true, false) => self.weekend_day,
            (true, true) => self.weekend_night,
        }
    }
}

/// An evacuation site, shelter or welfare shelter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shelter {
    /// GSI 共通ID or the municipality's id.
    pub ext_id: String,
    pub name: String,
    pub address: String,
    pub location: LonLat,
    pub kind: ShelterKind,
    /// The GSI hazard types the site is designated for.
    pub hazards: HazardSet,
    /// People it can take; 0 means unknown (treated as unlimited, with a warning).
    pub capacity: u32,
    pub indoor: bool,
    pub barrier_free: bool,
    /// Only for welfare shelters: open to direct evacuation, or by transfer only.
    pub welfare_access: Option<WelfareAccess>,
}

/// A hazard zone polygon (浸水想定区域, 土砂災害警戒区域, 家屋倒壊等氾濫想定区域, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HazardZone {
    pub ext_id: String,
    pub kind: HazardKind,
    /// Flood depth rank (A31a_205: 1 <0.5 m, 2 0.5-3 m, 3 3-5 m, 4 5-10 m, 5 10-20 m, 6 >=20 m).
    pub depth_rank: Option<DepthRank>,
    /// Minutes after the overflow (the end of the scenario's lead time) that water reaches the
    /// zone (到達時間, from municipal hazard maps); `None`: the default model by depth
    /// (`plan::params::WaterParams`).
    pub arrival_min: Option<f64>,
    /// Hours the water stays (浸水継続時間); `None`: the default model by depth.
    pub duration_h: Option<f64>,
    /// The river or source, e.g. "石狩川 L2" or "国土数値情報 A31a".
    pub source: String,
    pub geometry: geo::MultiPolygon<f64>,
}

/// A road line as read from `roads.geojson` (before it becomes graph edges).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Road {
    /// Feature id (OSM way id for imported roads).
    pub ext_id: String,
    pub coords: Vec<LonLat>,
    pub class: RoadClass,
    pub bridge: bool,
    pub tunnel: bool,
    pub oneway: Oneway,
    /// OSM `wheelchair` tag: Some(false) means not usable by wheelchairs.
    pub wheelchair: Option<bool>,
    pub name: String,
}

/// One watch activity (見守り記録).
#[derive(Clone, Debug, PartialEq)]
pub struct WatchRecord {
    pub date: Date,
    pub person: PersonId,
    pub volunteer: VolunteerId,
    pub method: WatchMethod,
    pub outcome: WatchOutcome,
    pub concern: Option<Concern>,
    pub referral: Option<Referral>,
}

/// A whole map folder, validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    pub meta: MapMeta,
    pub districts: Vec<District>,
    pub people: Vec<Person>,
    pub volunteers: Vec<Volunteer>,
    pub shelters: Vec<Shelter>,
    pub hazards: Vec<HazardZone>,
    pub roads: Vec<Road>,
    pub records: Vec<WatchRecord>,
    /// Hand-set choices (`pins.csv`), in file order.
    pub pins: Vec<Pin>,
}

/// A choice a coordinator fixed by hand for one person: a helper, a destination or both.
/// The planner obeys it when feasible and reports it when not.
#[derive(Clone, Debug, PartialEq)]
pub struct Pin {
    pub person: PersonId,
    pub helper: Option<VolunteerId>,
    pub destination: Option<ShelterId>,
    /// Why it was pinned (free text, never shown outside the plan).
    pub note: String,
}

impl Map {
    pub fn district(&self, id: DistrictId) -> &District {
        &self.districts[id.index()]
    }
    pub fn person(&self, id: PersonId) -> &Person {
        &self.people[id.index()]
    }
    pub fn volunteer(&self, id: VolunteerId) -> &Volunteer {
        &self.volunteers[id.index()]
    }
    pub fn shelter(&self, id: ShelterId) -> &Shelter {
        &self.shelters[id.index()]
    }

    pub fn find_person(&self, ext_id: &str) -> Option<PersonId> {
        self.people
            .iter()
            .position(|p| p.ext_id == ext_id)
            .map(|i| PersonId(i as u32))
    }
    pub fn find_volunteer(&self, ext_id: &str) -> Option<VolunteerId> {
        self.volunteers
            .iter()
            .position(|v| v.ext_id == ext_id)
            .map(|i| VolunteerId(i as u32))
    }
    pub fn find_district(&self, code: &str) -> Option<DistrictId> {
        self.districts
            .iter()
            .position(|d| d.code == code)
            .map(|i| DistrictId(i as u32))
    }

    pub fn person_ids(&self) -> impl Iterator<Item = PersonId> + '_ {
        (0..self.people.len() as u32).map(PersonId)
    }
    pub fn volunteer_ids(&self) -> impl Iterator<Item = VolunteerId> + '_ {
        (0..self.volunteers.len() as u32).map(VolunteerId)
    }
    pub fn shelter_ids(&self) -> impl Iterator<Item = ShelterId> + '_ {
        (0..self.shelters.len() as u32).map(ShelterId)
    }

    /// Number of volunteers holding each role.
    pub fn volunteers_by_role(&self) -> BTreeMap<Role, usize> {
        let mut out = BTreeMap::new();
        for v in &self.volunteers {
            for r in &v.roles {
                *out.entry(*r).or_insert(0) += 1;
            }
        }
        out
    }
}
