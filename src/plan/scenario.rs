//! Scenarios: the disaster a plan is drafted (or a drill is run) for.
//!
//! A scenario names the hazard type, which hazard zones are active and the depth at which a
//! road becomes impassable, the time of day, the weather and season, the lead time between
//! the alert (警戒レベル3 高齢者等避難) and the hazard, closed roads and volunteers who are not
//! available. `scenarios/*.toml` hold them (`docs/data-format.md`). Unknown keys are refused so
//! a typo cannot silently change a drill; later drill settings are added as new optional keys.

use crate::model::{HazardKind, HazardType};
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
    /// Which of the eight GSI hazard types; destinations must be designated for it.
    pub hazard: HazardType,
    /// Hazard zone kinds that are active. Empty: every kind belonging to `hazard`.
    pub active_zones: Vec<HazardKind>,
    /// Roads in an active flood zone whose depth band starts at or above this are closed,
    /// metres. 0.5 m: water above knee height stops people on foot and most cars
    /// (domain.md depth bands). Zones without depth (landslide, house collapse) always close.
    pub impassable_depth_m: f64,
    pub time_of_day: TimeOfDay,
    /// Weekend availability applies instead of weekday.
    pub weekend: bool,
    pub weather: Weather,
    pub season: Season,
    /// Minutes between the alert (警戒レベル3) and the hazard arriving.
    pub lead_time_min: f64,
    /// Road feature ids closed (e.g. an underpass, a bridge under repair).
    pub closed_roads: Vec<String>,
    /// Closed areas, each a ring of `[lon, lat]` positions.
    pub closed_areas: Vec<Vec<[f64; 2]>>,
    /// Volunteer ids not available (away, ill, injured).
    pub unavailable_volunteers: Vec<String>,
    /// A share (0-1) of the remaining volunteers drawn as unavailable with `seed`.
    pub unavailable_share: f64,
    pub seed: u64,
}

impl Default for Scenario {
    /// The default when planning without a scenario file: a river flood by day in clear
    /// weather, three hours between the alert and the flood, roads closed from 0.5 m.
    fn default() -> Self {
        Scenario {
            name: "既定（洪水・昼間）".into(),
            hazard: HazardType::Flood,
            active_zones: Vec::new(),
            impassable_depth_m: 0.5,
            time_of_day: TimeOfDay::Day,
            weekend: false,
            weather: Weather::Clear,
            season: Season::Summer,
            lead_time_min: 180.0,
            closed_roads: Vec::new(),
            closed_areas: Vec::new(),
            unavailable_volunteers: Vec::new(),
            unavailable_share: 0.0,
            seed: 0,
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

    /// Longest accepted lead time, minutes: one day. Alerts (警戒レベル3) are issued hours,
    /// not days, before a hazard; a longer value is a typo (stated).
    pub const MAX_LEAD_TIME_MIN: f64 = 1440.0;
    /// Deepest accepted impassable depth, metres: A31a's deepest band starts at 20 m.
    pub const MAX_IMPASSABLE_DEPTH_M: f64 = 20.0;

    /// Checks values a file could get wrong; returns (field, value, expected) on failure.
    pub fn validate(&self) -> Result<(), (&'static str, String, &'static str)> {
        if !(self.lead_time_min.is_finite()
            && (1.0..=Self::MAX_LEAD_TIME_MIN).contains(&self.lead_time_min))
        {
            return Err((
                "lead_time_min",
                self.lead_time_min.to_string(),
                "a number of minutes from 1 to 1440 (one day)",
            ));
        }
        if !(self.impassable_depth_m.is_finite()
            && (0.0..=Self::MAX_IMPASSABLE_DEPTH_M).contains(&self.impassable_depth_m))
        {
            return Err((
                "impassable_depth_m",
                self.impassable_depth_m.to_string(),
                "a depth in metres from 0 to 20",
            ));
        }
        if !(0.0..=1.0).contains(&self.unavailable_share) {
            return Err((
                "unavailable_share",
                self.unavailable_share.to_string(),
                "a share from 0 to 1",
            ));
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
