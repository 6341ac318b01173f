//! Every policy number of the planner in one place: speeds and condition factors (through
//! [`RoutingParams`]), water-depth limits, when water arrives, margins, who may stay upstairs,
//! preparation times, priority weights and bands, helper rules, reserved seats and search limits.
//!
//! The documented parameter file is [`DEFAULT_PARAMS_TOML`] (`src/plan/params.toml`): every key
//! with its default, unit and source. `mimamori params` prints it; `plan`, `explain` and
//! `sheets` take `--params FILE` with any subset of its keys (the rest keep their defaults).
//! Unknown keys are refused ([`PlanParams::from_toml`] names the line), so a misspelt key
//! cannot silently leave a default in force. A test checks that the file parses to exactly
//! [`PlanParams::default`] and names every field, so the file and the code cannot drift.

use super::matching::MatchingParams;
use crate::model::{HazardKind, HazardZone, Household, Mobility, Role, Skill};
use crate::network::{Profile, RoutingParams};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The documented parameter file with every default.
pub const DEFAULT_PARAMS_TOML: &str = include_str!("params.toml");

/// Every setting of the planner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanParams {
    pub routing: RoutingParams,
    pub water: WaterParams,
    pub timing: TimingParams,
    pub stay: StayParams,
    pub preparation_min: PreparationMin,
    pub priority: PriorityParams,
    pub helpers: HelperParams,
    pub destinations: DestinationParams,
    pub matching: MatchingParams,
    pub recruit: RecruitParams,
    pub drill: DrillParams,
}

impl Default for PlanParams {
    fn default() -> Self {
        PlanParams {
            routing: RoutingParams::default(),
            water: WaterParams::default(),
            timing: TimingParams::default(),
            stay: StayParams::default(),
            preparation_min: PerMobility {
                walks_alone: 10.0,
                walks_with_help: 15.0,
                wheelchair: 20.0,
                bedridden: 30.0,
            },
            priority: PriorityParams::default(),
            helpers: HelperParams::default(),
            destinations: DestinationParams::default(),
            matching: MatchingParams::default(),
            recruit: RecruitParams::default(),
            drill: DrillParams::default(),
        }
    }
}

/// A parameter file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ParamsError {
    /// Not TOML, an unknown key or a wrong type; `line` is 1-based when known.
    #[error("line {line}: {message}", line = line.map_or("?".to_string(), |l| l.to_string()))]
    Syntax {
        line: Option<usize>,
        message: String,
    },
    /// A value out of its range.
    #[error("`{key}` = {value}: expected {expected}")]
    Range {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl PlanParams {
    /// Reads a parameter file (any subset of the keys of [`DEFAULT_PARAMS_TOML`]) and checks
    /// every value's range.
    pub fn from_toml(text: &str) -> Result<Self, ParamsError> {
        let p: PlanParams = toml::from_str(text).map_err(|e| ParamsError::Syntax {
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message: e.message().to_string(),
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Checks that every number is in its range (speeds and factors positive and finite,
    /// shares in 0..=1, times not negative).
    pub fn validate(&self) -> Result<(), ParamsError> {
        fn check(
            key: &'static str,
            v: f64,
            ok: bool,
            expected: &'static str,
        ) -> Result<(), ParamsError> {
            if v.is_finite() && ok {
                Ok(())
            } else {
                Err(ParamsError::Range {
                    key,
                    value: v.to_string(),
                    expected,
                })
            }
        }
        const POS: &str = "a positive number";
        const NONNEG: &str = "a number, 0 or more";
        const SHARE: &str = "a share from 0 to 1";
        let r = &self.routing;
        for (k, v) in [
            ("routing.walk.flat_mps", r.walk.flat_mps),
            ("routing.slow_walk.flat_mps", r.slow_walk.flat_mps),
            ("routing.wheelchair.flat_mps", r.wheelchair.flat_mps),
            ("routing.stretcher.flat_mps", r.stretcher.flat_mps),
            ("routing.car_mps", r.car_mps),
            ("routing.night_factor", r.night_factor),
            ("routing.rain_factor", r.rain_factor),
            ("routing.snow_factor", r.snow_factor),
            ("routing.heavy_snow_factor", r.heavy_snow_factor),
            ("routing.ice_factor", r.ice_factor),
            ("stay.floor_height_m", self.stay.floor_height_m),
        ] {
            check(k, v, v > 0.0, POS)?;
        }
        let w = &self.water;
        for (k, v) in [
            ("water.depth_limit_m.walk", w.depth_limit_m.walk),
            ("water.depth_limit_m.slow_walk", w.depth_limit_m.slow_walk),
            ("water.depth_limit_m.wheelchair", w.depth_limit_m.wheelchair),
            ("water.depth_limit_m.stretcher", w.depth_limit_m.stretcher),
            ("water.depth_limit_m.car", w.depth_limit_m.car),
            (
                "water.unknown_depth_arrival_min",
                w.unknown_depth_arrival_min,
            ),
            (
                "water.house_collapse_arrival_min",
                w.house_collapse_arrival_min,
            ),
            ("water.unknown_depth_duration_h", w.unknown_depth_duration_h),
            ("timing.margin_min", self.timing.margin_min),
            ("timing.warning_min", self.timing.warning_min),
            ("stay.max_isolation_h", self.stay.max_isolation_h),
            ("stay.device_battery_h", self.stay.device_battery_h),
            ("stay.climb_min", self.stay.climb_min),
            (
                "preparation_min.walks_alone",
                self.preparation_min.walks_alone,
            ),
            (
                "preparation_min.walks_with_help",
                self.preparation_min.walks_with_help,
            ),
            (
                "preparation_min.wheelchair",
                self.preparation_min.wheelchair,
            ),
            ("preparation_min.bedridden", self.preparation_min.bedridden),
            ("helpers.max_travel_min", self.helpers.max_travel_min),
            (
                "helpers.keep_tolerance_min",
                self.helpers.keep_tolerance_min,
            ),
            ("helpers.round_leg_max_min", self.helpers.round_leg_max_min),
            ("destinations.max_walk_m", self.destinations.max_walk_m),
        ] {
            check(k, v, v >= 0.0, NONNEG)?;
        }
        for v in w.arrival_min_by_rank {
            check("water.arrival_min_by_rank", v, v >= 0.0, NONNEG)?;
        }
        for v in w.duration_h_by_rank {
            check("water.duration_h_by_rank", v, v >= 0.0, NONNEG)?;
        }
        check(
            "timing.search_limit_min",
            self.timing.search_limit_min,
            self.timing.search_limit_min > 0.0 && self.timing.search_limit_min <= 24.0 * 60.0,
            "minutes from 1 to 1440",
        )?;
        check(
            "destinations.shelter_capacity_share",
            self.destinations.shelter_capacity_share,
            (0.0..=1.0).contains(&self.destinations.shelter_capacity_share),
            SHARE,
        )?;
        check(
            "helpers.max_round",
            f64::from(self.helpers.max_round),
            (1..=6).contains(&self.helpers.max_round),
            "people from 1 to 6 (every order of a round is tried)",
        )?;
        let pr = &self.priority;
        for (k, v) in [
            ("priority.outside_zones", pr.outside_zones),
            ("priority.deep_or_collapse", pr.deep_or_collapse),
            ("priority.ground_floor_floods", pr.ground_floor_floods),
            ("priority.shallow", pr.shallow),
            ("priority.unknown_depth", pr.unknown_depth),
            ("priority.medical", pr.medical),
            ("priority.upstairs_factor", pr.upstairs_factor),
            ("priority.high_from", pr.high_from),
            ("priority.middle_from", pr.middle_from),
        ] {
            check(k, v, v > 0.0, POS)?;
        }
        for v in [
            pr.mobility.walks_alone,
            pr.mobility.walks_with_help,
            pr.mobility.wheelchair,
            pr.mobility.bedridden,
            pr.household.alone,
            pr.household.elderly_couple,
            pr.household.with_family,
            pr.household.facility,
        ] {
            check("priority.mobility / priority.household", v, v > 0.0, POS)?;
        }
        let rc = &self.recruit;
        check(
            "recruit.block_m",
            rc.block_m,
            rc.block_m >= 10.0,
            "a number of metres, 10 or more",
        )?;
        if rc.profiles.is_empty() || rc.profiles.iter().any(|p| p.capacity == 0) {
            return Err(ParamsError::Range {
                key: "recruit.profiles",
                value: rc.profiles.len().to_string(),
                expected: "at least one profile, each with capacity 1 or more",
            });
        }
        if rc.assumed_age < 18 || rc.assumed_age >= self.helpers.last_resort_age {
            return Err(ParamsError::Range {
                key: "recruit.assumed_age",
                value: rc.assumed_age.to_string(),
                expected: "an age from 18 to below helpers.last_resort_age",
            });
        }
        self.drill.validate()?;
        Ok(())
    }
}

/// A number per routing profile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerProfile {
    pub walk: f64,
    pub slow_walk: f64,
    pub wheelchair: f64,
    pub stretcher: f64,
    pub car: f64,
}

impl PerProfile {
    pub fn get(&self, p: Profile) -> f64 {
        match p {
            Profile::Walk => self.walk,
            Profile::SlowWalk => self.slow_walk,
            Profile::Wheelchair => self.wheelchair,
            Profile::Stretcher => self.stretcher,
            Profile::Car => self.car,
        }
    }
}

/// When water arrives, how deep stops whom, how long it stays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WaterParams {
    /// A road segment closes for a profile when the zone's depth band can exceed this, metres.
    /// Walk 0.5 m: adults cannot walk safely in water above about 0.5 m (Cabinet Office,
    /// 避難情報に関するガイドライン; domain.md). Slow walk and stretcher 0.3 m: older people
    /// and people carrying someone are stopped by shallower water (our setting, below the adult
    /// limit). Wheelchair 0.2 m: no official figure; our stated choice, well below the walking
    /// limit since the footrests and push rims are low. Car 0.3 m: cars can stall from about
    /// 30 cm of water (MLIT / JAF guidance for drivers).
    pub depth_limit_m: PerProfile,
    /// Minutes after the overflow that water reaches a zone without its own `arrival_min`, by
    /// depth rank 1-6 (A31a bands <0.5, 0.5-3, 3-5, 5-10, 10-20, ≥20 m). Deep zones lie next to
    /// the river and flood first; shallow ones later. Our default model, to be replaced by the
    /// municipality's published 到達時間 where they exist.
    pub arrival_min_by_rank: [f64; 6],
    /// Arrival for a flood zone with no depth rank, minutes after the overflow (at once: with
    /// no depth we cannot assume time).
    pub unknown_depth_arrival_min: f64,
    /// House-collapse zones (家屋倒壊等氾濫想定区域) lie on the bank: water arrives at once.
    pub house_collapse_arrival_min: f64,
    /// Hours water stays (浸水継続時間) for a zone without its own `duration_h`, by depth rank.
    /// Our default model: deeper bands drain later.
    pub duration_h_by_rank: [f64; 6],
    /// Duration for a flood zone with no depth rank, hours.
    pub unknown_depth_duration_h: f64,
}

impl Default for WaterParams {
    fn default() -> Self {
        WaterParams {
            depth_limit_m: PerProfile {
                walk: 0.5,
                slow_walk: 0.3,
                wheelchair: 0.2,
                stretcher: 0.3,
                car: 0.3,
            },
            arrival_min_by_rank: [90.0, 45.0, 20.0, 10.0, 0.0, 0.0],
            unknown_depth_arrival_min: 0.0,
            house_collapse_arrival_min: 0.0,
            duration_h_by_rank: [12.0, 24.0, 72.0, 168.0, 336.0, 672.0],
            unknown_depth_duration_h: 72.0,
        }
    }
}

impl WaterParams {
    /// Minutes after the overflow that water reaches `zone`: its own `arrival_min`, else the
    /// default model. `None` for zones that do not flood (landslide).
    pub fn arrival_min(&self, zone: &HazardZone) -> Option<f64> {
        if !zone.kind.floods() {
            return None;
        }
        if let Some(a) = zone.arrival_min {
            return Some(a);
        }
        Some(match (zone.kind, zone.depth_rank) {
            (HazardKind::HouseCollapse, _) => self.house_collapse_arrival_min,
            (_, Some(r)) => self.arrival_min_by_rank[r.get() as usize - 1],
            (_, None) => self.unknown_depth_arrival_min,
        })
    }

    /// Hours the water stays in `zone`: its own `duration_h`, else the default model.
    pub fn duration_h(&self, zone: &HazardZone) -> Option<f64> {
        if !zone.kind.floods() {
            return None;
        }
        if let Some(d) = zone.duration_h {
            return Some(d);
        }
        Some(match zone.depth_rank {
            Some(r) => self.duration_h_by_rank[r.get() as usize - 1],
            None => self.unknown_depth_duration_h,
        })
    }

    /// Whether water in `zone` stops `profile`: the band's deepest water is above the limit.
    /// Zones without a depth (house collapse, unknown) stop everyone.
    pub fn stops(&self, zone: &HazardZone, profile: Profile) -> bool {
        match zone.depth_rank {
            Some(r) if zone.kind != HazardKind::HouseCollapse => {
                r.max_m() > self.depth_limit_m.get(profile)
            }
            _ => true,
        }
    }
}

/// Times around the trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingParams {
    /// Every road segment must be left this long before water closes it, minutes. 30 min: the
    /// issue's default, a safety margin for rising water and delays.
    pub margin_min: f64,
    /// Minutes from the alert until the person (or their helper) has the warning and sets
    /// off: phone tree and a first call. Our assumption, to be calibrated by drills.
    pub warning_min: f64,
    /// Longest trip searched, minutes. A technical bound on the searches, not a rule: the
    /// water (or, with no timed hazard, the lead time) decides what is feasible.
    pub search_limit_min: f64,
}

impl Default for TimingParams {
    fn default() -> Self {
        TimingParams {
            margin_min: 30.0,
            warning_min: 10.0,
            search_limit_min: 240.0,
        }
    }
}

/// Who may stay upstairs (屋内安全確保) or at home.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StayParams {
    /// Storey height used to decide which floor is above the water, metres.
    pub floor_height_m: f64,
    /// Staying upstairs is refused when water stays longer than this, hours: isolation without
    /// power, water or medical supply (Cabinet Office guideline: people must be able to hold
    /// out until the water recedes). 24 h: the default.
    pub max_isolation_h: f64,
    /// Hours a powered medical device runs on its battery: a person on such a device must
    /// leave when water (or a scenario's power outage) lasts longer. Our assumption; set it per
    /// municipality from the devices in use.
    pub device_battery_h: f64,
    /// Minutes a helper needs to help a person up the stairs once there.
    pub climb_min: f64,
    /// Helpers needed to get a person up the stairs, by mobility (0: climbs alone).
    pub climb_helpers: PerMobility<u8>,
}

impl Default for StayParams {
    fn default() -> Self {
        StayParams {
            floor_height_m: 3.0,
            max_isolation_h: 24.0,
            device_battery_h: 8.0,
            climb_min: 15.0,
            climb_helpers: PerMobility {
                walks_alone: 0,
                walks_with_help: 1,
                wheelchair: 2,
                bedridden: 2,
            },
        }
    }
}

/// One value per mobility: preparation minutes, priority multipliers, helpers to climb.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerMobility<T> {
    pub walks_alone: T,
    pub walks_with_help: T,
    pub wheelchair: T,
    pub bedridden: T,
}

impl<T: Copy> PerMobility<T> {
    pub fn get(&self, m: Mobility) -> T {
        match m {
            Mobility::WalksAlone => self.walks_alone,
            Mobility::WalksWithHelp => self.walks_with_help,
            Mobility::Wheelchair => self.wheelchair,
            Mobility::Bedridden => self.bedridden,
        }
    }
}

/// Preparation time at home before leaving, minutes, by mobility (our assumptions, settings):
/// dressing, medication, locking up; longer for a wheelchair transfer and for a bedridden
/// person moved onto a stretcher or into a car.
pub type PreparationMin = PerMobility<f64>;

/// A multiplier per household type.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdFactors {
    pub alone: f64,
    pub elderly_couple: f64,
    pub with_family: f64,
    pub facility: f64,
}

impl HouseholdFactors {
    pub fn get(&self, h: Household) -> f64 {
        match h {
            Household::Alone => self.alone,
            Household::ElderlyCouple => self.elderly_couple,
            Household::WithFamily => self.with_family,
            Household::Facility => self.facility,
        }
    }
}

/// Priority = hazard at home × need × household (domain.md "Priority"); the bands and weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityParams {
    /// Home outside every zone.
    pub outside_zones: f64,
    /// Flood 3 m or deeper, house-collapse zone or landslide zone.
    pub deep_or_collapse: f64,
    /// Flood 0.5-3 m: the ground floor floods.
    pub ground_floor_floods: f64,
    /// Flood under 0.5 m.
    pub shallow: f64,
    /// A flood-type zone without a depth.
    pub unknown_depth: f64,
    pub mobility: PerMobility<f64>,
    /// Powered devices, oxygen or dialysis.
    pub medical: f64,
    pub household: HouseholdFactors,
    /// People who may stay upstairs with help weigh this share of their score in the matching.
    pub upstairs_factor: f64,
    /// Helpers go first to people who must leave: covering one more of them beats any number
    /// of people helped upstairs (domain.md, "The hour after the alert"). false: only
    /// `upstairs_factor` tips the balance.
    pub leave_first: bool,
    /// Scores at or above this are high priority.
    pub high_from: f64,
    /// Scores at or above this (and below `high_from`) are middle priority.
    pub middle_from: f64,
    /// Matching weight = round(score × this), at least 1.
    pub weight_scale: f64,
}

impl Default for PriorityParams {
    fn default() -> Self {
        PriorityParams {
            outside_zones: 1.0,
            deep_or_collapse: 3.0,
            ground_floor_floods: 2.0,
            shallow: 1.3,
            unknown_depth: 2.0,
            mobility: PerMobility {
                walks_alone: 1.0,
                walks_with_help: 1.5,
                wheelchair: 2.0,
                bedridden: 2.5,
            },
            medical: 1.5,
            household: HouseholdFactors {
                alone: 1.5,
                elderly_couple: 1.3,
                with_family: 1.0,
                facility: 0.8,
            },
            upstairs_factor: 0.5,
            leave_first: true,
            high_from: 6.0,
            middle_from: 3.0,
            weight_scale: 10.0,
        }
    }
}

/// Who may help, and what choosing them costs.
///
/// The matching covers the most priority weight first; among plans that cover the same weight
/// it prefers known relationships, then less travel. Costs are `points × tier_scale + seconds`:
/// the person's main watcher (most watch contacts in the last 12 months) scores 0, other
/// watchers of the year `watcher_points_min..=watcher_points_max` by how often they came
/// against the main watcher, anyone else `stranger_points`; last-resort ages and some roles
/// add points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelperParams {
    /// A helper's walk to the person is at most this, minutes: neighbours, not a search party.
    pub max_travel_min: f64,
    /// Volunteers at or above this age get `last_resort_points`: a stranger of that age
    /// comes last, a main watcher of that age still before any stranger.
    pub last_resort_age: i32,
    /// Points added at `last_resort_age`: less than `stranger_points`, more than a regular
    /// watcher's `watcher_points_max - watcher_points_min` lead.
    pub last_resort_points: u64,
    /// Points of a helper who has not watched the person in the last 12 months.
    pub stranger_points: u64,
    /// Points of a watcher who came as often as the main watcher (min) or hardly at all (max).
    pub watcher_points_min: u64,
    pub watcher_points_max: u64,
    /// Seconds per point: larger than any solution's total travel (3,418 people × 2 helpers ×
    /// 15 min is under 10^7 s), so points decide before seconds.
    pub tier_scale: u64,
    /// Who may help by role, at what extra points and with what capacity cap.
    pub roles: RoleRules,
    /// Eligible helpers kept per person (the cheapest) for the matching; the matching is exact
    /// over these.
    pub candidates: usize,
    /// No watch contact for this many days gets a warning.
    pub stale_contact_days: i64,
    /// Only wheelchair-trained volunteers may escort a wheelchair user. Default false: pushing
    /// a wheelchair on the flat needs no course, so training is a warning on the plan
    /// (`no_wheelchair_training`), not a bar that leaves the person without anyone.
    pub wheelchair_training_required: bool,
    /// Helpers with a car among those of a person who goes by car (bedridden, or a wheelchair
    /// user in heavy snow): 1, one drives. 2 asks every helper of a bedridden person for a car.
    pub vehicle_helpers: u8,
    /// A household member marked in the roster (`family_helper`) counts as the first helper
    /// whenever at home at the scenario's time; neighbours are drafted for the rest.
    pub family_first: bool,
    /// Most people one helper takes in a round: their order is chosen by trying every order,
    /// so this stays small.
    pub max_round: u8,
    /// How far a helper may walk from one person's destination (or home) to the next person
    /// of their round, minutes.
    pub round_leg_max_min: f64,
    /// People one helper may back up; 0: the helper's own escort capacity.
    pub backup_capacity: u8,
    /// Points added to a backup who already escorts as many people as they can: chosen only
    /// when nobody else can back the person up (the plan then warns `backup_busy`).
    pub busy_backup_points: u64,
    /// With `plan --previous`: a previous helper or destination still feasible is kept unless
    /// it is more than this many minutes slower than the best alternative.
    pub keep_tolerance_min: f64,
    /// Points added to every helper and destination that differs from a kept previous one:
    /// more than any relationship points, so a kept choice changes only for coverage.
    pub change_points: u64,
}

/// The rule for one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    /// May be named as a helper.
    pub eligible: bool,
    /// Points added (a volunteer with several roles takes the lowest).
    pub points: u64,
    /// Most people escorted, whatever the volunteer's own capacity (absent: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<u8>,
}

/// Rules per role: 担い手, 世話係, 地域コーディネーター, 民生委員.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRules {
    pub helper: RoleRule,
    pub caretaker: RoleRule,
    pub coordinator: RoleRule,
    pub commissioner: RoleRule,
}

impl HelperParams {
    pub fn role(&self, r: Role) -> &RoleRule {
        match r {
            Role::Helper => &self.roles.helper,
            Role::Caretaker => &self.roles.caretaker,
            Role::Coordinator => &self.roles.coordinator,
            Role::Commissioner => &self.roles.commissioner,
        }
    }
}

impl Default for HelperParams {
    fn default() -> Self {
        let rule = |points, max_capacity| RoleRule {
            eligible: true,
            points,
            max_capacity,
        };
        HelperParams {
            max_travel_min: 15.0,
            last_resort_age: 80,
            last_resort_points: 60,
            stranger_points: 100,
            watcher_points_min: 10,
            watcher_points_max: 50,
            tier_scale: 10_000_000,
            roles: RoleRules {
                helper: rule(0, None),
                caretaker: rule(0, None),
                // Coordinators organise the district on the day: one person at most.
                coordinator: rule(0, Some(1)),
                commissioner: rule(0, None),
            },
            candidates: 12,
            stale_contact_days: 90,
            wheelchair_training_required: false,
            vehicle_helpers: 1,
            family_first: true,
            max_round: 4,
            round_leg_max_min: 30.0,
            backup_capacity: 0,
            busy_backup_points: 1_000,
            keep_tolerance_min: 5.0,
            change_points: 10_000,
        }
    }
}

/// Destinations and seats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DestinationParams {
    /// Share of a general shelter's or site's capacity reserved for people planned here (the
    /// rest is for everyone else). Welfare shelters are wholly for them.
    pub shelter_capacity_share: f64,
    /// Seats assumed for a destination whose capacity is unknown (0 in the data).
    pub unknown_capacity_seats: u32,
    /// Cost added when a person who needs a welfare shelter is sent to a general one, seconds.
    pub welfare_fallback_penalty_secs: u64,
    /// Destinations kept per person for the capacity assignment.
    pub candidates: usize,
    /// A walk longer than this gets a warning, metres (recommended longest walk to a site,
    /// about 500 m; domain.md).
    pub max_walk_m: f64,
}

impl Default for DestinationParams {
    fn default() -> Self {
        DestinationParams {
            shelter_capacity_share: 0.1,
            unknown_capacity_seats: 50,
            welfare_fallback_penalty_secs: 1_800,
            candidates: 8,
            max_walk_m: 500.0,
        }
    }
}

/// Where to recruit (`mimamori recruit`, `crate::recruit`): the places, kinds of helper and
/// search limits of the suggestions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecruitParams {
    /// Side of the square blocks suggestions name, metres, on the map's local frame.
    pub block_m: f64,
    /// Suggestions made when `--count` is not given.
    pub count: usize,
    /// Age given to a suggested helper when the suggestions are checked by re-planning (below
    /// `helpers.last_resort_age`, so they are not a last resort).
    pub assumed_age: i32,
    /// Candidates (block and profile) considered for a pair step, the most promising first.
    pub pair_candidates: usize,
    /// Kinds of helper to suggest, least demanding first (ties go to the earlier one).
    pub profiles: Vec<RecruitProfile>,
}

/// One kind of helper to recruit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecruitProfile {
    /// Code in outputs (`walk`, `car`, `wheelchair`).
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    /// Skills such a helper has (`car`, `wheelchair`, ...: volunteers.csv codes).
    pub skills: Vec<Skill>,
    /// People such a helper takes in a round (capped by `helpers.max_round`).
    pub capacity: u8,
}

impl Default for RecruitParams {
    fn default() -> Self {
        let profile = |code: &str, ja: &str, en: &str, skills: &[Skill], capacity| RecruitProfile {
            code: code.into(),
            label_ja: ja.into(),
            label_en: en.into(),
            skills: skills.to_vec(),
            capacity,
        };
        RecruitParams {
            block_m: 250.0,
            count: 5,
            assumed_age: 50,
            pair_candidates: 24,
            profiles: vec![
                profile("walk", "徒歩で支援", "on foot", &[], 1),
                profile("car", "車で支援", "with a car", &[Skill::Car], 1),
                profile(
                    "wheelchair",
                    "車いす介助可",
                    "wheelchair-trained",
                    &[Skill::Wheelchair],
                    1,
                ),
            ],
        }
    }
}

/// A number for day and one for night.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayNight {
    pub day: f64,
    pub night: f64,
}

impl DayNight {
    pub fn get(&self, night: bool) -> f64 {
        if night { self.night } else { self.day }
    }
}

/// The drill simulation (`mimamori drill`, `crate::drill`): how helpers answer the call, how
/// often they cannot come, how long the coordinator waits before calling the backup, and the
/// bounds of the Monte Carlo analysis. A scenario's `[drill]` table may override the first
/// four for one drill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrillParams {
    /// Median minutes from the call until a helper confirms and sets off (log-normal), by day
    /// and by night. Our assumption (3 / 6 min: a phone answered at once by day, later when
    /// asleep); calibrate from drills.
    pub response_median_min: DayNight,
    /// Spread of the log-normal response delay (sigma of its logarithm). 0.8: the 90th
    /// percentile near 2.8 × the median (our assumption).
    pub response_sigma: f64,
    /// Probability that a named helper is unreachable or cannot come, by day and by night.
    /// Our assumption (10% / 15%); calibrate from drills.
    pub absence: DayNight,
    /// Helpers this old or older cannot come with `absence_age_extra` more probability.
    pub absence_age_from: i32,
    pub absence_age_extra: f64,
    /// Probability of absence for a helper whose stated availability does not cover the
    /// scenario's time (a plan drafted for another time of day).
    pub absence_unavailable: f64,
    /// Minutes the coordinator waits for a helper's confirmation before calling the backup.
    /// Our assumption (10 min); the district's own rule belongs here.
    pub confirm_timeout_min: f64,
    /// Single points of failure: the helpers (most used first) and roads (most used by the
    /// routes people and helpers actually took) re-run without, each.
    pub spof_helpers: usize,
    pub spof_roads: usize,
    /// Runs of each re-run (the first ones of the Monte Carlo, with the same draws: common
    /// random numbers make the differences precise with fewer runs). A bound on the cost.
    pub spof_runs: u32,
    /// A person is "at risk" when their probability of safety is below this.
    pub at_risk_below: f64,
    /// Walking-speed factor of escorts (person and helpers together) by district code:
    /// escort times are divided by it in drills (0.8: 20% slower than the routing speeds).
    /// Districts not listed walk at 1.0. Written by `mimamori drill compare` from real drill
    /// results; the planner routes people on foot in the district at speeds multiplied by it.
    pub walk_factor: BTreeMap<String, f64>,
    /// `drill compare` fits a preparation time or a walking factor only from at least this
    /// many recorded people; with fewer the setting keeps its value (our choice: a median of
    /// fewer than 3 observations is one household's story, not a district's figure).
    pub calibrate_min_observations: usize,
}

impl Default for DrillParams {
    fn default() -> Self {
        DrillParams {
            response_median_min: DayNight {
                day: 3.0,
                night: 6.0,
            },
            response_sigma: 0.8,
            absence: DayNight {
                day: 0.10,
                night: 0.15,
            },
            absence_age_from: 75,
            absence_age_extra: 0.10,
            absence_unavailable: 0.9,
            confirm_timeout_min: 10.0,
            spof_helpers: 40,
            spof_roads: 20,
            spof_runs: 200,
            at_risk_below: 0.9,
            walk_factor: BTreeMap::new(),
            calibrate_min_observations: 3,
        }
    }
}

impl DrillParams {
    fn validate(&self) -> Result<(), ParamsError> {
        let bad = |key: &'static str, v: f64, expected: &'static str| ParamsError::Range {
            key,
            value: v.to_string(),
            expected,
        };
        for (k, v) in [
            (
                "drill.response_median_min.day",
                self.response_median_min.day,
            ),
            (
                "drill.response_median_min.night",
                self.response_median_min.night,
            ),
            ("drill.response_sigma", self.response_sigma),
            ("drill.confirm_timeout_min", self.confirm_timeout_min),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(k, v, "a number, 0 or more"));
            }
        }
        for (k, v) in [
            ("drill.absence.day", self.absence.day),
            ("drill.absence.night", self.absence.night),
            ("drill.absence_age_extra", self.absence_age_extra),
            ("drill.absence_unavailable", self.absence_unavailable),
            ("drill.at_risk_below", self.at_risk_below),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(bad(k, v, "a share from 0 to 1"));
            }
        }
        for v in self.walk_factor.values() {
            if !(v.is_finite() && *v > 0.0 && *v <= 5.0) {
                return Err(bad(
                    "drill.walk_factor",
                    *v,
                    "a factor above 0 and at most 5",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_file_is_exactly_the_defaults() {
        let parsed = PlanParams::from_toml(DEFAULT_PARAMS_TOML).expect("params.toml parses");
        assert_eq!(parsed, PlanParams::default());
    }

    #[test]
    fn the_documented_file_names_every_key() {
        // Serialise the defaults and compare key sets with the file: a field added in code but
        // not documented in the file (or the reverse) fails here.
        fn keys(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
            if let toml::Value::Table(t) = v {
                for (k, v) in t {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    keys(v, &p, out);
                    out.push(p);
                }
            }
        }
        let file: toml::Value = toml::from_str(DEFAULT_PARAMS_TOML).unwrap();
        let code = toml::Value::try_from(PlanParams::default()).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        keys(&file, "", &mut a);
        keys(&code, "", &mut b);
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let e = PlanParams::from_toml("[timing]\nmargin_min = 20\nmargn_min = 5\n").unwrap_err();
        match e {
            ParamsError::Syntax { line, message } => {
                assert_eq!(line, Some(3), "{message}");
                assert!(message.contains("margn_min"), "{message}");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let p = PlanParams::from_toml("[timing]\nmargin_min = 45\n").unwrap();
        assert_eq!(p.timing.margin_min, 45.0);
        let mut d = PlanParams::default();
        d.timing.margin_min = 45.0;
        assert_eq!(p, d);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for text in [
            "[routing]\nwalk = { flat_mps = 0.0, steps_mps = 1.0 }\n",
            "[timing]\nmargin_min = -1\n",
            "[destinations]\nshelter_capacity_share = 1.5\n",
            "[timing]\nsearch_limit_min = 1e308\n",
            "[water]\narrival_min_by_rank = [1, 2, 3, 4, 5, -6]\n",
        ] {
            assert!(
                matches!(PlanParams::from_toml(text), Err(ParamsError::Range { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn water_stops_profiles_by_depth() {
        use crate::model::DepthRank;
        let w = WaterParams::default();
        let zone = |rank: u8| HazardZone {
            ext_id: "Z".into(),
            kind: HazardKind::RiverFlood,
            depth_rank: DepthRank::new(rank),
            arrival_min: None,
            duration_h: None,
            source: String::new(),
            geometry: geo::MultiPolygon(vec![]),
        };
        // Under 0.5 m: walkers pass, wheelchairs and cars do not.
        assert!(!w.stops(&zone(1), Profile::Walk));
        assert!(w.stops(&zone(1), Profile::Wheelchair));
        assert!(w.stops(&zone(1), Profile::Car));
        for p in Profile::ALL {
            assert!(w.stops(&zone(2), p));
        }
        // Deeper bands flood earlier.
        let a: Vec<f64> = (1..=6).map(|r| w.arrival_min(&zone(r)).unwrap()).collect();
        assert!(a.windows(2).all(|p| p[0] >= p[1]), "{a:?}");
    }
}
