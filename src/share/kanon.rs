//! k-anonymity over the quasi-identifiers by one global generalisation ladder, then suppression.
//!
//! The ladder (every step coarsens all records alike, so bundles stay comparable):
//!
//! | step | age band | hazard band | household | mobility | sex |
//! |---|---|---|---|---|---|
//! | 0 | 5 years | depth rank (6 bands), `landslide`, `zone`, `none` | 4 kinds | 4 classes | as is |
//! | 1 | 10 years | `lt0.5`, `0.5-3`, `ge3`, `landslide`, `zone`, `none` | 4 kinds | 4 classes | as is |
//! | 2 | 20 years | `lt3`, `ge3`, `landslide`, `zone`, `none` | `alone` / `not_alone` | 4 classes | as is |
//! | 3 | `*` | `lt3`, `ge3`, `landslide`, `zone`, `none` | `alone` / `not_alone` | 4 classes | `*` |
//! | 4 | `*` | `lt3`, `ge3`, `landslide`, `zone`, `none` | `alone` / `not_alone` | `walks` / `does_not_walk` | `*` |
//! | 5 | `*` | `zone` / `none` | `alone` / `not_alone` | `walks` / `does_not_walk` | `*` |
//!
//! Age and sex go first, the hazard band last: how deep the water is matters most to practice.
//!
//! At each step every record whose combination occurs fewer than k times must be suppressed
//! (and no other needs to be). The chosen step is the first whose suppression is at most
//! `max_suppressed_share` of the records; if none is, the step that suppresses fewest (the
//! lowest of equals).

use crate::model::{Household, Mobility, Sex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Steps of the ladder (0 to `LEVELS - 1`).
pub const LEVELS: u8 = 6;

/// Hazard at the home before banding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HazardBand {
    None,
    /// In an active zone without a depth (e.g. house collapse only).
    Zone,
    Landslide,
    /// Flood depth rank 1-6 (A31a).
    Depth(u8),
}

/// A record's quasi-identifiers before generalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawQi {
    pub age: i32,
    pub sex: Sex,
    pub mobility: Mobility,
    pub household: Household,
    pub district: String,
    pub hazard: HazardBand,
}

/// What the chosen ladder step did to each quasi-identifier (the bundle's `generalised`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generalisation {
    pub level: u8,
    /// Width of the age bands in years; 0: ages withheld (`*`).
    pub age_band_years: u8,
    /// `rank`, `three_bands`, `deep_or_not`, `zone_or_not`.
    pub hazard_band: String,
    /// `kinds` or `alone_or_not`.
    pub household: String,
    /// `classes` or `walks_or_not`.
    pub mobility: String,
    /// `as_is` or `withheld`.
    pub sex: String,
}

impl Generalisation {
    pub fn at(level: u8) -> Generalisation {
        Generalisation {
            level,
            age_band_years: [5, 10, 20, 0, 0, 0][level as usize],
            hazard_band: [
                "rank",
                "three_bands",
                "deep_or_not",
                "deep_or_not",
                "deep_or_not",
                "zone_or_not",
            ][level as usize]
                .into(),
            household: if level >= 2 { "alone_or_not" } else { "kinds" }.into(),
            mobility: if level >= 4 {
                "walks_or_not"
            } else {
                "classes"
            }
            .into(),
            sex: if level >= 3 { "withheld" } else { "as_is" }.into(),
        }
    }
}

const RANK_CODES: [&str; 6] = ["lt0.5", "0.5-3", "3-5", "5-10", "10-20", "ge20"];

/// The released values of the quasi-identifiers at `level`, in [`super::QUASI_IDENTIFIERS`]
/// order.
pub fn generalise(level: u8, q: &RawQi) -> [String; 6] {
    let g = Generalisation::at(level.min(LEVELS - 1));
    let age = match g.age_band_years {
        0 => "*".to_owned(),
        w => {
            let w = i32::from(w);
            let lo = q.age.div_euclid(w) * w;
            format!("{lo}-{}", lo + w - 1)
        }
    };
    let sex = if level >= 3 {
        "*".to_owned()
    } else {
        q.sex.code().to_owned()
    };
    let mobility = if level >= 4 {
        super::mobility_group(q.mobility).to_owned()
    } else {
        q.mobility.code().to_owned()
    };
    let household = if level >= 2 {
        if q.household == Household::Alone {
            "alone"
        } else {
            "not_alone"
        }
        .to_owned()
    } else {
        q.household.code().to_owned()
    };
    let hazard = match (q.hazard, level) {
        (HazardBand::None, _) => "none",
        (_, 5..) => "zone",
        (HazardBand::Zone, _) => "zone",
        (HazardBand::Landslide, _) => "landslide",
        (HazardBand::Depth(r), 0) => RANK_CODES[(r.clamp(1, 6) - 1) as usize],
        (HazardBand::Depth(1), 1) => "lt0.5",
        (HazardBand::Depth(2), 1) => "0.5-3",
        (HazardBand::Depth(r), _) if r >= 3 => "ge3",
        (HazardBand::Depth(_), _) => "lt3",
    }
    .to_owned();
    [age, sex, mobility, household, q.district.clone(), hazard]
}

/// The result of [`anonymize`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anonymization {
    pub level: u8,
    /// Per record: released (true) or suppressed.
    pub kept: Vec<bool>,
    pub suppressed: usize,
    pub suppressed_combinations: usize,
}

/// Records to suppress at `level`: those whose combination occurs fewer than `k` times.
pub fn suppress_at(level: u8, qis: &[RawQi], k: usize) -> (Vec<bool>, usize) {
    let keys: Vec<[String; 6]> = qis.iter().map(|q| generalise(level, q)).collect();
    let mut counts: BTreeMap<&[String; 6], usize> = BTreeMap::new();
    for key in &keys {
        *counts.entry(key).or_default() += 1;
    }
    let kept = keys.iter().map(|key| counts[key] >= k).collect();
    let combos = counts.values().filter(|&&n| n < k).count();
    (kept, combos)
}

/// Chooses the ladder step and suppresses (see the module documentation).
pub fn anonymize(qis: &[RawQi], k: usize, max_suppressed_share: f64) -> Anonymization {
    let mut best: Option<Anonymization> = None;
    for level in 0..LEVELS {
        let (kept, combos) = suppress_at(level, qis, k);
        let suppressed = kept.iter().filter(|k| !**k).count();
        let a = Anonymization {
            level,
            kept,
            suppressed,
            suppressed_combinations: combos,
        };
        if suppressed as f64 <= max_suppressed_share * qis.len() as f64 {
            return a;
        }
        if best.as_ref().is_none_or(|b| suppressed < b.suppressed) {
            best = Some(a);
        }
    }
    best.expect("the ladder has steps")
}
