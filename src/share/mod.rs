//! Sharing good practice across districts (issue 14): anonymised practice bundles, a district
//! comparison under one scenario, and suggestions that turn another district's success into
//! pins this district's planner accepts. Core module: no I/O, no clock, no environment.
//!
//! - [`export`]: one district's plans → a [`Bundle`]: one [`Pattern`] per person who consented
//!   to sharing in normal times (平常時提供同意) and needs a helper now, generalised and
//!   suppressed until every combination of the quasi-identifiers ([`QUASI_IDENTIFIERS`])
//!   occurs at least `k` times ([`kanon`]), plus district aggregates counting everyone.
//! - [`Bundle::to_json`] / [`Bundle::from_json`]: the versioned file (`format_version` 1),
//!   with a SHA-256 content hash checked on loading.
//! - [`compare::compare`]: districts side by side, ranks, and good practice found by Wilson
//!   intervals that do not overlap.
//! - [`suggest::suggest`]: arrangements that worked elsewhere for people like this district's
//!   uncovered people, tried with this district's own volunteers through
//!   [`crate::plan::engine::Planner::replan`].
//!
//! A pattern holds no name, id, address, phone, birth date, coordinate, free text or helper
//! identity; the finest place is the district code.

pub mod compare;
pub mod kanon;
pub mod suggest;

use crate::model::{HazardKind, Household, Map, Mobility, Need, SupportReason};
use crate::plan::engine::PlanRun;
use crate::plan::{EvacuationNeed, Method, Plan, Scenario};
use crate::spatial::HazardIndex;
use kanon::{Generalisation, HazardBand, RawQi};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The bundle format version this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The quasi-identifiers: the pattern fields k-anonymity is enforced over.
pub const QUASI_IDENTIFIERS: [&str; 6] = [
    "age_band",
    "sex",
    "mobility",
    "household",
    "district",
    "hazard_band",
];

/// Every number the sharing code uses (documented in `docs/data-format.md`, "Practice bundles").
#[derive(Clone, Debug, PartialEq)]
pub struct ShareParams {
    /// Smallest k allowed (and the default): 5, a threshold common in statistical disclosure
    /// control (our setting); `--k` may raise it, never lower it.
    pub min_k: usize,
    /// The generalisation ladder stops at the first step that suppresses at most this share of
    /// the records (0.1: our setting); if none does, the step suppressing fewest is taken.
    pub max_suppressed_share: f64,
    /// Upper bounds of the route-length bands, metres (500 m: the recommended longest walk).
    pub distance_bands_m: Vec<f64>,
    /// Upper bounds of the evacuation-time bands, minutes.
    pub time_bands_min: Vec<f64>,
    /// Lower bounds of the drill bands `high` and `middle` of p_safe (below: `low`).
    pub drill_bands: [f64; 2],
    /// z of the two-sided Wilson score interval (1.96: 95 %).
    pub wilson_z: f64,
    /// A feature of the arrangements is named as a difference when its share among covered
    /// people differs by at least this much between a district and the rest (0.2: our setting).
    pub min_difference: f64,
    /// `suggest`: volunteers tried per arrangement (the nearest matching ones).
    pub candidates_per_arrangement: usize,
    /// `suggest`: re-plans tried per uncovered person at most.
    pub max_trials_per_person: usize,
    /// `suggest`: other districts' practice listed per person at most (most covered first).
    pub districts_per_person: usize,
}

impl Default for ShareParams {
    fn default() -> Self {
        ShareParams {
            min_k: 5,
            max_suppressed_share: 0.1,
            distance_bands_m: vec![250.0, 500.0, 1000.0, 2000.0],
            time_bands_min: vec![10.0, 20.0, 30.0, 60.0],
            drill_bands: [0.95, 0.8],
            wilson_z: 1.96,
            min_difference: 0.2,
            candidates_per_arrangement: 3,
            max_trials_per_person: 6,
            districts_per_person: 5,
        }
    }
}

/// Errors of the sharing code; `source` names the bundle file (or what stands for it).
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("k = {k} is below the minimum {min}: k may only be raised (k ≥ {min})")]
    KTooSmall { k: usize, min: usize },
    #[error("no district with code {0:?} in the map")]
    UnknownDistrict(String),
    #[error("{file}: not a practice bundle: {detail}")]
    Format { file: String, detail: String },
    #[error("{file}: format_version {found} is not supported (expected {expected})")]
    Version {
        file: String,
        found: String,
        expected: u32,
    },
    #[error(
        "{file}: the content hash does not match (the bundle was changed after export); refused"
    )]
    Tampered { file: String },
    #[error(
        "{a} and {b} were made under different scenarios ({detail}); compare bundles of one scenario"
    )]
    ScenarioMismatch {
        a: String,
        b: String,
        detail: String,
    },
    #[error("{a} and {b} are both bundles of district {district}")]
    DuplicateDistrict {
        a: String,
        b: String,
        district: String,
    },
    #[error("no bundles to compare")]
    NoBundles,
    #[error(transparent)]
    Plan(#[from] crate::plan::engine::PlanError),
}

/// The scenario a bundle was made under: what it says, and a fingerprint of all of it (SHA-256
/// of the scenario as JSON), so bundles of different scenarios are never compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioKey {
    pub name: String,
    pub hazard: String,
    pub time_of_day: String,
    pub season: String,
    pub weather: String,
    pub weekend: bool,
    pub lead_time_min: f64,
    pub evacuate_all: bool,
    pub fingerprint: String,
}

impl ScenarioKey {
    pub fn of(s: &Scenario) -> ScenarioKey {
        let code = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        // A translation of the name does not make another scenario.
        let json = serde_json::to_string(&Scenario {
            name_en: String::new(),
            ..s.clone()
        })
        .unwrap_or_default();
        ScenarioKey {
            name: s.name.clone(),
            hazard: s.hazard.code().to_owned(),
            time_of_day: code(serde_json::to_value(s.time_of_day).unwrap_or_default()),
            season: code(serde_json::to_value(s.season).unwrap_or_default()),
            weather: code(serde_json::to_value(s.weather).unwrap_or_default()),
            weekend: s.weekend,
            lead_time_min: s.lead_time_min,
            evacuate_all: s.evacuate_all,
            fingerprint: crate::store::token_hash(&json),
        }
    }
}

/// One person's plan as a practice pattern: need, hazard, conditions and arrangement, banded.
/// The first six fields are the quasi-identifiers (possibly generalised, see
/// [`Bundle::generalised`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// Age band `75-79` (5 years), `70-79`, `60-79`, or `*`.
    pub age_band: String,
    /// Sex code, or `*`.
    pub sex: String,
    /// Mobility code, or `walks` / `does_not_walk`.
    pub mobility: String,
    /// Household code, or `alone` / `not_alone`.
    pub household: String,
    pub district: String,
    /// Hazard at the home: `none`, `landslide`, `zone`, a depth band (`lt0.5`, `0.5-3`, `3-5`,
    /// `5-10`, `10-20`, `ge20`) or coarser (`ge3`, `lt3`).
    pub hazard_band: String,
    /// `none`, `support` (要支援), `care_1_2`, `care_3_5` (要介護).
    pub care_band: String,
    /// Powered devices, oxygen, dialysis (codes).
    pub devices: Vec<String>,
    pub helpers_needed: u8,
    pub hazard_type: String,
    pub evacuation_need: String,
    pub time_of_day: String,
    pub season: String,
    /// Every helper the person needs is named.
    pub covered: bool,
    /// Neighbours named as primary helpers.
    pub helpers: u8,
    /// Roles of the primary helpers (codes, sorted, distinct).
    pub roles: Vec<String>,
    /// Skills of the primary helpers (codes, sorted, distinct).
    pub skills: Vec<String>,
    /// A household member is the first helper.
    pub family: bool,
    /// A primary helper already watches the person (watch circle).
    pub known_relationship: bool,
    pub method: String,
    /// A primary helper has a car.
    pub vehicle: bool,
    pub destination_kind: Option<String>,
    /// Route length band, e.g. `250-500m`.
    pub distance_band: Option<String>,
    /// Evacuation time band, e.g. `10-20min`.
    pub time_band: Option<String>,
    pub backup: bool,
    /// `high`, `middle` or `low` share of drill runs safe, when a drill was given.
    pub drill_band: Option<String>,
    /// Reason codes when not covered.
    pub reasons: Vec<String>,
}

/// District figures counting everyone (consented to sharing or not). Rates are rounded to 4
/// decimals; `None` when the denominator is 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregates {
    /// People on the roster of the district.
    pub people: usize,
    /// With consent to drafting a plan.
    pub consented: usize,
    /// People who need a helper now (to leave or to get upstairs).
    pub need_help: usize,
    pub covered: usize,
    /// People who must leave (and need a helper), and of them covered.
    pub must_leave: usize,
    pub must_leave_covered: usize,
    /// Covered people with a backup helper.
    pub with_backup: usize,
    /// Covered people with a primary helper who already watches them.
    pub known_relationship: usize,
    /// Volunteers of the district who consented to be named.
    pub helpers_available: usize,
    /// Distinct volunteers named as primary helpers of the district's people.
    pub helpers_used: usize,
    pub coverage: Option<f64>,
    pub leave_coverage: Option<f64>,
    pub backup_rate: Option<f64>,
    pub known_share: Option<f64>,
    /// Helpers available per person needing help.
    pub helpers_per_person: Option<f64>,
    /// People escorted per helper used (primary assignments / helpers used).
    pub helper_load: Option<f64>,
    /// Mean drill p_safe of the district's people in the drill, when a drill was given.
    pub drill_p_safe: Option<f64>,
    pub drill_people: Option<usize>,
    /// Uncovered people by reason code.
    pub uncovered_by_reason: BTreeMap<String, usize>,
    /// Plan status counts of the district's people from the store (`share export --db`):
    /// status code → people; `not_in_store` for people the database does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<BTreeMap<String, usize>>,
}

/// What the k-anonymity step removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppressed {
    /// Patterns withheld because their combination occurred fewer than k times.
    pub records: usize,
    /// Distinct combinations withheld.
    pub combinations: usize,
    /// Patterns before suppression (consented to sharing, needing help).
    pub eligible: usize,
    /// People needing help left out for lack of consent to sharing (aggregates only).
    pub not_consented: usize,
}

/// A practice bundle (format version 1, `docs/data-format.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format_version: u32,
    pub district: String,
    pub scenario: ScenarioKey,
    pub k: usize,
    pub quasi_identifiers: Vec<String>,
    pub patterns: Vec<Pattern>,
    pub aggregates: Aggregates,
    pub suppressed: Suppressed,
    pub generalised: Generalisation,
    /// SHA-256 (hex) of the bundle as compact JSON without this field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

impl Bundle {
    /// The hash of the content: SHA-256 of the compact JSON without the `hash` field.
    pub fn content_hash(&self) -> String {
        let mut b = self.clone();
        b.hash.clear();
        crate::store::token_hash(&serde_json::to_string(&b).unwrap_or_default())
    }

    /// The file text (pretty JSON, a final newline), with the hash set.
    pub fn to_json(&self) -> String {
        let mut b = self.clone();
        b.hash = self.content_hash();
        let mut s = serde_json::to_string_pretty(&b).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a bundle file's text; `source` names the file in errors. Refuses another format
    /// version and a content that does not match its hash.
    pub fn from_json(text: &str, source: &str) -> Result<Bundle, ShareError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ShareError::Format {
            file: source.to_owned(),
            detail: format!("not JSON ({e})"),
        })?;
        match v.get("format_version") {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION as u64) => {}
            Some(other) => {
                return Err(ShareError::Version {
                    file: source.to_owned(),
                    found: other.to_string(),
                    expected: FORMAT_VERSION,
                });
            }
            None => {
                return Err(ShareError::Format {
                    file: source.to_owned(),
                    detail: "no field format_version".into(),
                });
            }
        }
        let b: Bundle = serde_json::from_value(v).map_err(|e| ShareError::Format {
            file: source.to_owned(),
            detail: e.to_string(),
        })?;
        if b.hash.is_empty() || b.hash != b.content_hash() {
            return Err(ShareError::Tampered {
                file: source.to_owned(),
            });
        }
        Ok(b)
    }
}

/// A person's pattern before generalisation, with the raw quasi-identifiers.
#[derive(Clone, Debug)]
pub struct Record {
    pub qi: RawQi,
    pub pattern: Pattern,
}

/// Shares and rates are written with 4 decimals.
pub(crate) fn round4(x: f64) -> f64 {
    crate::io::round_to(x, 4)
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| round4(a as f64 / b as f64))
}

fn band_of(x: f64, bounds: &[f64], unit: &str) -> String {
    let mut lo = 0.0;
    for &b in bounds {
        if x < b {
            return format!("{lo}-{b}{unit}");
        }
        lo = b;
    }
    format!("ge{lo}{unit}")
}

/// The care band of the support reasons: the highest care level wins.
fn care_band(reasons: &[SupportReason]) -> &'static str {
    let mut best = 0;
    for r in reasons {
        let v = match r {
            SupportReason::CareLevel(n) if *n >= 3 => 3,
            SupportReason::CareLevel(_) => 2,
            SupportReason::SupportLevel(_) => 1,
            _ => 0,
        };
        best = best.max(v);
    }
    ["none", "support", "care_1_2", "care_3_5"][best]
}

/// The hazard band at each home for the scenario's active zones.
fn hazard_band(
    map: &Map,
    index: &HazardIndex,
    scenario: &Scenario,
    p: &crate::model::Person,
) -> HazardBand {
    let mut band = HazardBand::None;
    let mut rank = 0u8;
    for hid in index.containing(&map.hazards, p.home) {
        let z = &map.hazards[hid.index()];
        if !scenario.zone_active(z.kind) {
            continue;
        }
        if let Some(r) = z.depth_rank {
            rank = rank.max(r.get());
        } else if z.kind == HazardKind::Landslide {
            band = HazardBand::Landslide;
        } else if band == HazardBand::None {
            band = HazardBand::Zone;
        }
    }
    if rank > 0 {
        HazardBand::Depth(rank)
    } else {
        band
    }
}

/// The drill p_safe of each person (by id), as read from a `drill.json`.
pub type DrillSafety = BTreeMap<String, f64>;

/// The records (before anonymisation) and aggregates of one district's plans.
pub fn records(
    map: &Map,
    run: &PlanRun,
    scenario: &Scenario,
    district: &str,
    drill: Option<&DrillSafety>,
    params: &ShareParams,
) -> Result<(Vec<Record>, Aggregates, usize), ShareError> {
    let did = map
        .find_district(district)
        .ok_or_else(|| ShareError::UnknownDistrict(district.to_owned()))?;
    let index = HazardIndex::new(&map.hazards);
    let sk = ScenarioKey::of(scenario);
    let mut agg = Aggregates {
        people: map.people.iter().filter(|p| p.district == did).count(),
        helpers_available: map
            .volunteers
            .iter()
            .filter(|v| v.district == did && v.consent_named)
            .count(),
        ..Aggregates::default()
    };
    let mut used = BTreeSet::new();
    let mut assignments = 0usize;
    let mut out = Vec::new();
    let mut not_consented = 0;
    let mut drill_sum = 0.0;
    let mut drill_n = 0usize;
    for plan in run.plans.iter().filter(|p| p.district == district) {
        agg.consented += 1;
        if let Some(ps) = drill.and_then(|d| d.get(&plan.person)) {
            drill_sum += ps;
            drill_n += 1;
        }
        if !plan.needs_help {
            continue;
        }
        agg.need_help += 1;
        let leave = plan.evacuation_need == EvacuationNeed::Leave;
        agg.must_leave += usize::from(leave);
        let known = plan.primary_helpers().any(|h| h.watches_person);
        if plan.covered {
            agg.covered += 1;
            agg.must_leave_covered += usize::from(leave);
            agg.with_backup += usize::from(plan.backup_helper().is_some());
            agg.known_relationship += usize::from(known);
            for h in plan.primary_helpers() {
                used.insert(h.id.clone());
                assignments += 1;
            }
        } else {
            for r in &plan.reasons {
                *agg.uncovered_by_reason
                    .entry(r.code().to_owned())
                    .or_default() += 1;
            }
        }
        if !plan.consent_share {
            not_consented += 1;
            continue;
        }
        let Some(pid) = map.find_person(&plan.person) else {
            continue;
        };
        let person = map.person(pid);
        let qi = RawQi {
            age: plan.age,
            sex: person.sex,
            mobility: person.mobility,
            household: person.household,
            district: district.to_owned(),
            hazard: hazard_band(map, &index, scenario, person),
        };
        let pattern = pattern_of(map, plan, &sk, drill, params);
        out.push(Record { qi, pattern });
    }
    agg.helpers_used = used.len();
    agg.coverage = ratio(agg.covered, agg.need_help);
    agg.leave_coverage = ratio(agg.must_leave_covered, agg.must_leave);
    agg.backup_rate = ratio(agg.with_backup, agg.covered);
    agg.known_share = ratio(agg.known_relationship, agg.covered);
    agg.helpers_per_person = ratio(agg.helpers_available, agg.need_help);
    agg.helper_load = ratio(assignments, agg.helpers_used);
    if drill.is_some() {
        agg.drill_people = Some(drill_n);
        agg.drill_p_safe = (drill_n > 0).then(|| round4(drill_sum / drill_n as f64));
    }
    Ok((out, agg, not_consented))
}

/// The arrangement part of a pattern (the QI fields are filled at release).
fn pattern_of(
    map: &Map,
    plan: &Plan,
    sk: &ScenarioKey,
    drill: Option<&DrillSafety>,
    params: &ShareParams,
) -> Pattern {
    let mut roles = BTreeSet::new();
    let mut skills = BTreeSet::new();
    let mut helpers = 0u8;
    for h in plan.primary_helpers() {
        helpers += 1;
        if let Some(vid) = map.find_volunteer(&h.id) {
            let v = map.volunteer(vid);
            roles.extend(v.roles.iter().map(|r| r.code().to_owned()));
            skills.extend(v.skills.iter().map(|s| s.code().to_owned()));
        }
    }
    let moves = !matches!(plan.method, Method::StayUpstairs | Method::StayHome);
    let devices = plan
        .needs
        .iter()
        .filter(|n| matches!(n, Need::PoweredDevice | Need::Oxygen | Need::Dialysis))
        .map(|n| n.code().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let drill_band = drill.map(|d| match d.get(&plan.person) {
        Some(&p) if p >= params.drill_bands[0] => "high".to_owned(),
        Some(&p) if p >= params.drill_bands[1] => "middle".to_owned(),
        Some(_) => "low".to_owned(),
        None => "not_in_drill".to_owned(),
    });
    Pattern {
        age_band: String::new(),
        sex: String::new(),
        mobility: String::new(),
        household: String::new(),
        district: String::new(),
        hazard_band: String::new(),
        care_band: care_band(&plan.support_reasons).to_owned(),
        devices,
        helpers_needed: plan.helpers_needed,
        hazard_type: plan.hazard.code().to_owned(),
        evacuation_need: plan.evacuation_need.code().to_owned(),
        time_of_day: sk.time_of_day.clone(),
        season: sk.season.clone(),
        covered: plan.covered,
        helpers,
        vehicle: skills.contains("car"),
        roles: roles.into_iter().collect(),
        skills: skills.into_iter().collect(),
        family: plan.family_helper,
        known_relationship: plan.primary_helpers().any(|h| h.watches_person),
        method: method_code(plan.method).to_owned(),
        destination_kind: plan.destination.as_ref().map(|d| d.kind.clone()),
        distance_band: (moves && plan.covered)
            .then(|| band_of(plan.route_length_m, &params.distance_bands_m, "m")),
        time_band: (moves && plan.covered)
            .then(|| band_of(plan.evacuation_secs / 60.0, &params.time_bands_min, "min")),
        backup: plan.backup_helper().is_some(),
        drill_band,
        reasons: plan.reasons.iter().map(|r| r.code().to_owned()).collect(),
    }
}

/// The method's code as in `plans.json`.
pub fn method_code(m: Method) -> &'static str {
    match m {
        Method::Walk => "walk",
        Method::Wheelchair => "wheelchair",
        Method::Car => "car",
        Method::StayUpstairs => "stay_upstairs",
        Method::StayHome => "stay_home",
    }
}

/// The mobility group a generalised pattern may carry (`walks` / `does_not_walk`).
pub fn mobility_group(m: Mobility) -> &'static str {
    match m {
        Mobility::WalksAlone | Mobility::WalksWithHelp => "walks",
        Mobility::Wheelchair | Mobility::Bedridden => "does_not_walk",
    }
}

/// Does a pattern's (possibly generalised) household mean living alone?
pub fn lives_alone(household: &str) -> bool {
    household == Household::Alone.code() || household == "alone"
}

/// One district's practice bundle for `scenario` from a planning run of the whole map (or of
/// the district): records, k-anonymity with `k` (at least `params.min_k`), aggregates, hash.
pub fn export(
    map: &Map,
    run: &PlanRun,
    scenario: &Scenario,
    district: &str,
    k: usize,
    drill: Option<&DrillSafety>,
    params: &ShareParams,
) -> Result<Bundle, ShareError> {
    if k < params.min_k {
        return Err(ShareError::KTooSmall {
            k,
            min: params.min_k,
        });
    }
    let (records, aggregates, not_consented) =
        records(map, run, scenario, district, drill, params)?;
    let qis: Vec<RawQi> = records.iter().map(|r| r.qi.clone()).collect();
    let a = kanon::anonymize(&qis, k, params.max_suppressed_share);
    let mut patterns = Vec::new();
    for (r, keep) in records.iter().zip(&a.kept) {
        if !keep {
            continue;
        }
        let [age, sex, mobility, household, district, hazard] = kanon::generalise(a.level, &r.qi);
        let mut p = r.pattern.clone();
        p.age_band = age;
        p.sex = sex;
        p.mobility = mobility;
        p.household = household;
        p.district = district;
        p.hazard_band = hazard;
        patterns.push(p);
    }
    patterns.sort();
    let mut b = Bundle {
        format_version: FORMAT_VERSION,
        district: district.to_owned(),
        scenario: ScenarioKey::of(scenario),
        k,
        quasi_identifiers: QUASI_IDENTIFIERS.iter().map(|s| s.to_string()).collect(),
        patterns,
        aggregates,
        suppressed: Suppressed {
            records: a.suppressed,
            combinations: a.suppressed_combinations,
            eligible: records.len(),
            not_consented,
        },
        generalised: Generalisation::at(a.level),
        hash: String::new(),
    };
    b.hash = b.content_hash();
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_half_open_and_named_by_their_bounds() {
        let b = [250.0, 500.0];
        assert_eq!(band_of(0.0, &b, "m"), "0-250m");
        assert_eq!(band_of(250.0, &b, "m"), "250-500m");
        assert_eq!(band_of(499.9, &b, "m"), "250-500m");
        assert_eq!(band_of(500.0, &b, "m"), "ge500m");
    }

    #[test]
    fn care_band_takes_the_highest_level() {
        use SupportReason::*;
        assert_eq!(care_band(&[]), "none");
        assert_eq!(care_band(&[SupportLevel(2)]), "support");
        assert_eq!(care_band(&[SupportLevel(2), CareLevel(2)]), "care_1_2");
        assert_eq!(care_band(&[CareLevel(4), SupportLevel(1)]), "care_3_5");
    }
}
