//! Scenarios: the disaster a plan is drafted (or a drill is run) for.
//!
//! A scenario names the hazard type and which hazard zones are active, the time of day, the
//! weather and season, the lead time between the alert (警戒レベル3 高齢者等避難) and the
//! hazard (for a river flood: the overflow; water then reaches each zone at its own arrival
//! time), the clock time of the alert, closed roads and volunteers who are not available.
//! Which depth stops whom, and when water arrives where a map does not say, are planner
//! parameters (`plan::params`), not scenario keys. `scenarios/*.toml` hold them (`docs/data-format.md`). Unknown keys are refused so
//! a typo cannot silently change a drill; later drill settings are added as new optional keys.

use crate::model::{HazardKind, HazardType, Lang};
use crate::network::{Conditions, Weather};
use serde::{Deserialize, Serialize};

/// Day or night (night slows everyone by the night factor and changes who is available).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOfDay {
    #[default]
    Day,
    Night,
}

/// Season: in winter outdoor sites cannot be used (Asahikawa: over 70 days a year below 0 °C).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    #[default]
    Summer,
    Winter,
}

/// A disaster scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown on plans, e.g. "洪水・昼間".
    pub name: String,
    /// The name in English, shown instead of `name` in English output; empty: `name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Which of the eight GSI hazard types; destinations must be designated for it.
    pub hazard: HazardType,
    /// Hazard zone kinds that are active. Empty: every kind belonging to `hazard`.
    pub active_zones: Vec<HazardKind>,
    pub time_of_day: TimeOfDay,
    /// Weekend availability applies instead of weekday.
    pub weekend: bool,
    pub weather: Weather,
    pub season: Season,
    /// Minutes between the alert (警戒レベル3) and the hazard: for a flood, the overflow
    /// (water reaches each zone later, at its arrival time); for a landslide, the slide.
    pub lead_time_min: f64,
    /// Clock time of the alert, `HH:MM` (e.g. "14:00"); plans then show when to leave as a
    /// clock time. Empty: minutes after the alert.
    pub alert_at: String,
    /// An evacuation order for the whole area: people outside every zone leave too.
    pub evacuate_all: bool,
    /// Expected power outage, hours: people on powered medical devices whose battery does not
    /// last it (`stay.device_battery_h`) must leave even from a home outside every zone.
    pub power_outage_h: f64,
    /// Road feature ids closed (e.g. an underpass, a bridge under repair).
    pub closed_roads: Vec<String>,
    /// Closed areas, each a ring of `[lon, lat]` positions.
    pub closed_areas: Vec<Vec<[f64; 2]>>,
    /// Volunteer ids not available (away, ill, injured).
    pub unavailable_volunteers: Vec<String>,
    /// A share (0-1) of the remaining volunteers drawn as unavailable with `seed`.
    pub unavailable_share: f64,
    pub seed: u64,
    /// Settings and timed events of a drill (`mimamori drill`); ignored by the planner.
    #[serde(skip_serializing_if = "DrillSettings::is_empty")]
    pub drill: DrillSettings,
}

/// A scenario's `[drill]` table: overrides of the drill parameters (`plan::params`,
/// `[drill]`) for this drill, and events at given minutes after the alert.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrillSettings {
    /// Median minutes from the call until a helper confirms and sets off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_median_min: Option<f64>,
    /// Spread of the log-normal response delay (sigma of its logarithm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_sigma: Option<f64>,
    /// Probability that a named helper is unreachable or cannot come (before the age extra).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absence: Option<f64>,
    /// Minutes the coordinator waits for a confirmation before calling the backup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_timeout_min: Option<f64>,
    /// Timed events, each `{ at_min = 40, close_road = "R123" }`,
    /// `{ at_min = 10, helper_absent = "V00012" }` or `{ at_min = 60, flood_zone = "HZ3" }`.
    pub events: Vec<DrillEvent>,
}

impl DrillSettings {
    pub fn is_empty(&self) -> bool {
        *self == DrillSettings::default()
    }
}

/// One timed event of a drill: exactly one of its three ids is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillEvent {
    /// Minutes after the alert.
    pub at_min: f64,
    /// A road id (`roads.geojson`), e.g. a bridge: closed from `at_min` on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_road: Option<String>,
    /// A volunteer id: drops out at `at_min` (the coordinator learns it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper_absent: Option<String>,
    /// A hazard zone id (`hazards.geojson`): flooded at `at_min` if that is earlier than its
    /// own arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flood_zone: Option<String>,
}

/// The name of the default scenario (planning without a scenario file).
pub const DEFAULT_SCENARIO_NAME: &str = "既定（洪水・昼間）";

/// A scenario's name for display: in English its `name_en` when the file gives one, the
/// default scenario's name in the reader's language, else the name as its file gives it.
pub fn scenario_name<'a>(name: &'a str, name_en: &'a str, lang: Lang) -> &'a str {
    match lang {
        Lang::En if !name_en.is_empty() => name_en,
        Lang::En if name == DEFAULT_SCENARIO_NAME => "default (river flood by day)",
        _ => name,
    }
}

/// The hazard and the scenario's name in one short text without nested brackets: the name
/// alone when it already names the hazard, else "洪水（name）", or "洪水: name" when the name
/// holds brackets itself.
pub fn scenario_title(hazard: HazardType, name: &str, name_en: &str, lang: Lang) -> String {
    let name = scenario_name(name, name_en, lang);
    let h = hazard.label(lang);
    let bracketed = name.chars().any(|c| "（）()「」『』【】[]".contains(c));
    if name.is_empty() {
        h.to_owned()
    } else if name.to_lowercase().contains(&h.to_lowercase()) {
        name.to_owned()
    } else if bracketed {
        format!("{h}: {name}")
    } else {
        lang.pick(&format!("{h}（{name}）"), &format!("{h} ({name})"))
            .to_owned()
    }
}

impl Default for Scenario {
    /// The default when planning without a scenario file: a river flood by day in clear
    /// weather, three hours between the alert and the overflow.
    fn default() -> Self {
        Scenario {
            name: DEFAULT_SCENARIO_NAME.into(),
            name_en: String::new(),
            hazard: HazardType::Flood,
            active_zones: Vec::new(),
            time_of_day: TimeOfDay::Day,
            weekend: false,
            weather: Weather::Clear,
            season: Season::Summer,
            lead_time_min: 180.0,
            alert_at: String::new(),
            evacuate_all: false,
            power_outage_h: 0.0,
            closed_roads: Vec::new(),
            closed_areas: Vec::new(),
            unavailable_volunteers: Vec::new(),
            unavailable_share: 0.0,
            seed: 0,
            drill: DrillSettings::default(),
        }
    }
}

impl Scenario {
    /// Whether zones of `kind` are active.
    pub fn zone_active(&self, kind: HazardKind) -> bool {
        if self.active_zones.is_empty() {
            kind.hazard_type() == self.hazard
        } else {
            self.active_zones.contains(&kind)
        }
    }

    pub fn night(&self) -> bool {
        self.time_of_day == TimeOfDay::Night
    }

    pub fn conditions(&self) -> Conditions {
        Conditions {
            night: self.night(),
            weather: self.weather,
        }
    }

    /// Outdoor sites are unusable in rain, snow, ice or winter.
    pub fn indoor_only(&self) -> bool {
        self.season == Season::Winter || self.weather != Weather::Clear
    }

    pub fn lead_secs(&self) -> f64 {
        self.lead_time_min * 60.0
    }

    /// The alert's clock time in minutes after midnight, if `alert_at` is set and valid.
    pub fn alert_minute(&self) -> Option<u32> {
        let (h, m) = self.alert_at.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    }

    /// Longest accepted lead time, minutes: one day. Alerts (警戒レベル3) are issued hours,
    /// not days, before a hazard; a longer value is a typo (stated).
    pub const MAX_LEAD_TIME_MIN: f64 = 1440.0;

    /// Checks values a file could get wrong; returns (field, value, expected) on failure.
    pub fn validate(&self) -> Result<(), (&'static str, String, &'static str)> {
        if !(self.lead_time_min.is_finite()
            && (1.0..=Self::MAX_LEAD_TIME_MIN).contains(&self.lead_time_min))
        {
            return Err((
                "lead_time_min",
                self.lead_time_min.to_string(),
                "minutes from the alert to the hazard, from 1 to 1440 (one day)",
            ));
        }
        if !self.alert_at.trim().is_empty() && self.alert_minute().is_none() {
            return Err((
                "alert_at",
                self.alert_at.clone(),
                "a clock time HH:MM from 00:00 to 23:59",
            ));
        }
        if !(self.power_outage_h.is_finite() && (0.0..=24.0 * 365.0).contains(&self.power_outage_h))
        {
            return Err((
                "power_outage_h",
                self.power_outage_h.to_string(),
                "hours from 0 to 8760",
            ));
        }
        if !(0.0..=1.0).contains(&self.unavailable_share) {
            return Err((
                "unavailable_share",
                self.unavailable_share.to_string(),
                "a share from 0 to 1",
            ));
        }
        let d = &self.drill;
        for (field, v) in [
            ("drill.response_median_min", d.response_median_min),
            ("drill.response_sigma", d.response_sigma),
            ("drill.confirm_timeout_min", d.confirm_timeout_min),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..=1440.0).contains(&v))
            {
                return Err((field, v.to_string(), "a number from 0 to 1440"));
            }
        }
        if let Some(a) = d.absence
            && !(0.0..=1.0).contains(&a)
        {
            return Err(("drill.absence", a.to_string(), "a share from 0 to 1"));
        }
        for (i, e) in d.events.iter().enumerate() {
            if !(e.at_min.is_finite() && (0.0..=Self::MAX_LEAD_TIME_MIN * 2.0).contains(&e.at_min))
            {
                return Err((
                    "drill.events",
                    format!("event no. {}: at_min = {}", i + 1, e.at_min),
                    "minutes after the alert, from 0 to 2880",
                ));
            }
            let given = [&e.close_road, &e.helper_absent, &e.flood_zone]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if given != 1 {
                return Err((
                    "drill.events",
                    format!(
                        "event no. {}: {given} of close_road, helper_absent, flood_zone",
                        i + 1
                    ),
                    "exactly one of close_road, helper_absent, flood_zone",
                ));
            }
        }
        for ring in &self.closed_areas {
            if ring.len() < 4 || ring.first() != ring.last() {
                return Err((
                    "closed_areas",
                    format!("{} positions", ring.len()),
                    "closed rings of at least 4 [lon, lat] positions",
                ));
            }
            if let Some([lon, lat]) = ring.iter().find(|[lon, lat]| {
                !((-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat))
            }) {
                return Err((
                    "closed_areas",
                    format!("[{lon}, {lat}]"),
                    "positions [lon, lat] with longitude -180 to 180 and latitude -90 to 90",
                ));
            }
        }
        Ok(())
    }
}
