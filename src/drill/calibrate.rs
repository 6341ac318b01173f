//! Recorded drill results against the prediction, and the calibration they give
//! (`mimamori drill compare`). Pure: no I/O.
//!
//! # Prediction
//! The drill with everyone present and every helper answering after the median delay
//! ([`Drill::everyone_present`]): one deterministic run, the plan's own timeline.
//!
//! # Calibration (robust medians)
//! - **Preparation per mobility class**: for a person who left with their primary helpers,
//!   the recorded departure minus the time the helpers should have been at the door. That
//!   time is the predicted one shifted by how late the helper's round really started: the
//!   recorded call for the first person of a round, the recorded arrival of the previous
//!   person for the next ones (so a slow first escort is not counted as the second person's
//!   preparation). People reached by a backup are left out (another timeline).
//! - **Walking factor per district**: predicted escort minutes ÷ recorded escort minutes
//!   (arrival − departure), times the factor the prediction already used.
//!
//! The fitted value is the median of the observations; a class or district with fewer than
//! `drill.calibrate_min_observations` keeps its current value and says so.

use super::record::{DrillResult, median};
use super::{Drill, Task};
use crate::model::Mobility;
use crate::plan::engine::PlanParams;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The predicted times of one person (seconds after the alert).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Predicted {
    /// When the helpers of the person's round are called (the warning time), if any helper.
    pub called_secs: Option<f64>,
    /// When the person starts preparing (the helpers needed are at the door).
    pub door_secs: Option<f64>,
    pub left_secs: Option<f64>,
    /// At the destination, or upstairs.
    pub arrived_secs: Option<f64>,
}

impl Drill<'_> {
    /// Makes every helper present and answer after the median delay, with no helper
    /// dropping out: the runs are then the plan's own timeline.
    pub fn everyone_present(&mut self) {
        for h in &mut self.helpers {
            h.absence = 0.0;
        }
        self.response_sigma = 0.0;
        self.helper_gone.clear();
    }

    /// The predicted times of every person (by index into `people`) from one run; call
    /// [`everyone_present`](Self::everyone_present) first for the deterministic timeline.
    pub fn predict(&self) -> (Vec<Predicted>, Vec<super::TimelineEvent>) {
        let (_, events) = self.timeline(0, 0, None);
        let mut out = vec![Predicted::default(); self.people.len()];
        for (pi, p) in self.people.iter().enumerate() {
            if !p.primaries.is_empty() || p.backup.is_some() {
                out[pi].called_secs = Some(self.warning_secs);
            }
        }
        for e in &events {
            let Some(p) = e.person else { continue };
            let o = &mut out[p as usize];
            match e.what {
                "preparing" | "climbing" => o.door_secs = o.door_secs.or(Some(e.secs)),
                "left_home" => o.left_secs = o.left_secs.or(Some(e.secs)),
                "safe" | "upstairs_done" => o.arrived_secs = o.arrived_secs.or(Some(e.secs)),
                _ => {}
            }
        }
        (out, events)
    }
}

/// One recorded person against the prediction (minutes after the alert).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonDiff {
    pub person: String,
    pub district: String,
    pub mobility: &'static str,
    /// Primary helpers named in the plan, and the helpers who came.
    pub planned_helpers: Vec<String>,
    pub helpers_came: Vec<String>,
    /// Every primary helper of the plan came; `None` when the plan names none.
    pub primary_came: Option<bool>,
    pub predicted_left_min: Option<f64>,
    pub recorded_left_min: Option<f64>,
    /// Recorded − predicted.
    pub left_diff_min: Option<f64>,
    pub predicted_arrived_min: Option<f64>,
    pub recorded_arrived_min: Option<f64>,
    pub arrived_diff_min: Option<f64>,
    pub problems: Vec<&'static str>,
}

/// One district: people of the drill, recorded, and the median differences.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistrictDiff {
    pub district: String,
    pub people: usize,
    pub recorded: usize,
    pub arrived: usize,
    pub median_left_diff_min: Option<f64>,
    pub median_arrived_diff_min: Option<f64>,
}

/// One fitted setting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    /// Mobility code or district code.
    pub key: String,
    /// The value before calibration.
    pub before: f64,
    /// The value written: fitted, or `before` when too few observations.
    pub value: f64,
    pub observations: usize,
    pub fitted: bool,
}

/// The calibration of a drill.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// `median`.
    pub method: &'static str,
    pub min_observations: usize,
    /// Minutes of preparation by mobility class (`preparation_min`).
    pub preparation_min: Vec<Fit>,
    /// Walking-speed factor of escorts by district (`drill.walk_factor`).
    pub walk_factor: Vec<Fit>,
}

/// Everything `drill compare` writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub scenario: String,
    /// Recorded people without a plan in this run (no consent, or not in the roster then):
    /// not compared.
    pub not_in_plans: Vec<String>,
    pub people: Vec<PersonDiff>,
    pub districts: Vec<DistrictDiff>,
    pub calibration: Calibration,
}

use crate::io::round_to as round;

/// Compares `results` with the deterministic prediction of `drill` (made everyone-present
/// here) and fits the calibration. `params` are those the drill was prepared with.
pub fn compare(
    drill: &mut Drill,
    params: &PlanParams,
    scenario: &str,
    results: &[DrillResult],
) -> Comparison {
    drill.everyone_present();
    let (pred, _) = drill.predict();
    let index: BTreeMap<&str, usize> = drill
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let rec: BTreeMap<usize, &DrillResult> = results
        .iter()
        .filter_map(|r| Some((*index.get(r.person.as_str())?, r)))
        .collect();
    let min = |s: Option<f64>| s.map(|x| x / 60.0);
    let warn_min = drill.warning_secs / 60.0;
    let mut people = Vec::new();
    let mut prep_obs: BTreeMap<Mobility, Vec<f64>> = BTreeMap::new();
    let mut walk_obs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (&pi, r) in &rec {
        let p = &drill.people[pi];
        let pr = pred[pi];
        let planned: Vec<String> = p
            .primaries
            .iter()
            .map(|h| drill.helpers[*h as usize].id.clone())
            .collect();
        let primary_came = planned.iter().all(|h| r.helpers.contains(h));
        let came = (!planned.is_empty()).then_some(primary_came);
        let diff = |a: Option<f64>, b: Option<f64>| Some(round(a? - b?, 2));
        people.push(PersonDiff {
            person: p.id.clone(),
            district: p.district.clone(),
            mobility: p.mobility.code(),
            planned_helpers: planned,
            helpers_came: r.helpers.clone(),
            primary_came: came,
            predicted_left_min: min(pr.left_secs).map(|x| round(x, 2)),
            recorded_left_min: r.left_home_min,
            left_diff_min: diff(r.left_home_min, min(pr.left_secs)),
            predicted_arrived_min: min(pr.arrived_secs).map(|x| round(x, 2)),
            recorded_arrived_min: r.arrived_min,
            arrived_diff_min: diff(r.arrived_min, min(pr.arrived_secs)),
            problems: r.problems.iter().map(|c| c.code()).collect(),
        });
        if p.task != Task::Leave {
            continue;
        }
        // Walking factor: predicted escort over recorded escort.
        if let (Some(l), Some(a), Some(pl), Some(pa)) = (
            r.left_home_min,
            r.arrived_min,
            pr.left_secs,
            pr.arrived_secs,
        ) && a > l
            && pa > pl
        {
            let f0 = 1.0 / p.pace;
            walk_obs
                .entry(p.district.clone())
                .or_default()
                .push(f0 * (pa - pl) / 60.0 / (a - l));
        }
        // Preparation: departure minus when the helpers should have been at the door.
        let (Some(l), Some(door)) = (r.left_home_min, pr.door_secs) else {
            continue;
        };
        if !primary_came {
            continue;
        }
        let mut shift: Option<f64> = None;
        let mut known = true;
        if p.primaries.is_empty() {
            shift = Some(r.called_min.map_or(0.0, |c| c - warn_min));
        }
        for &h in &p.primaries {
            let round_of = &drill.helpers[h as usize].round;
            let pos = round_of.iter().position(|q| *q as usize == pi);
            let s = match pos {
                Some(0) => r.called_min.map(|c| c - warn_min),
                Some(k) => {
                    let q = round_of[k - 1] as usize;
                    rec.get(&q)
                        .and_then(|rq| rq.arrived_min)
                        .zip(min(pred[q].arrived_secs))
                        .map(|(a, b)| a - b)
                }
                None => None,
            };
            match s {
                Some(s) => shift = Some(shift.map_or(s, |x: f64| x.max(s))),
                None => known = false,
            }
        }
        if let (true, Some(s)) = (known, shift) {
            prep_obs
                .entry(p.mobility)
                .or_default()
                .push(l - (door / 60.0 + s));
        }
    }
    // Districts: every district with a person in the drill and a recorded row.
    // people, left diffs, arrival diffs, recorded, arrived
    type Acc = (usize, Vec<f64>, Vec<f64>, usize, usize);
    let mut districts: BTreeMap<String, Acc> = BTreeMap::new();
    for p in &drill.people {
        districts.entry(p.district.clone()).or_default().0 += 1;
    }
    for d in &people {
        let e = districts.entry(d.district.clone()).or_default();
        e.3 += 1;
        e.4 += usize::from(d.recorded_arrived_min.is_some());
        e.1.extend(d.left_diff_min);
        e.2.extend(d.arrived_diff_min);
    }
    let districts = districts
        .into_iter()
        .filter(|(_, v)| v.3 > 0)
        .map(
            |(district, (n, mut l, mut a, recorded, arrived))| DistrictDiff {
                district,
                people: n,
                recorded,
                arrived,
                median_left_diff_min: median(&mut l).map(|x| round(x, 2)),
                median_arrived_diff_min: median(&mut a).map(|x| round(x, 2)),
            },
        )
        .collect();
    let need = params.drill.calibrate_min_observations.max(1);
    let fit = |key: String, before: f64, mut obs: Vec<f64>, digits: i32| {
        let n = obs.len();
        let m = median(&mut obs).filter(|_| n >= need);
        Fit {
            key,
            before,
            value: m.map_or(before, |x| round(x, digits)),
            observations: n,
            fitted: m.is_some(),
        }
    };
    let preparation_min = Mobility::ALL
        .iter()
        .map(|m| {
            let obs = prep_obs.remove(m).unwrap_or_default();
            fit(m.code().to_owned(), params.preparation_min.get(*m), obs, 1)
        })
        .collect();
    let mut codes: Vec<String> = walk_obs.keys().cloned().collect();
    codes.extend(params.drill.walk_factor.keys().cloned());
    codes.sort();
    codes.dedup();
    let walk_factor = codes
        .into_iter()
        .map(|d| {
            let before = params.drill.walk_factor.get(&d).copied().unwrap_or(1.0);
            let obs = walk_obs.remove(&d).unwrap_or_default();
            fit(d, before, obs, 3)
        })
        .collect();
    let mut not_in_plans: Vec<String> = results
        .iter()
        .filter(|r| !index.contains_key(r.person.as_str()))
        .map(|r| r.person.clone())
        .collect();
    not_in_plans.sort();
    Comparison {
        scenario: scenario.to_owned(),
        not_in_plans,
        people,
        districts,
        calibration: Calibration {
            method: "median",
            min_observations: need,
            preparation_min,
            walk_factor,
        },
    }
}

/// The calibration as a parameter file for `--params` (`plan`, `sheets`, `drill`): the
/// preparation minutes of every mobility class and the walking factors, each with its number
/// of observations in a comment. Other settings are not written (they keep the defaults, or
/// copy them from your own file).
pub fn calibrated_params_toml(c: &Calibration, source: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Calibrated by `mimamori drill compare` from {source}.\n\
         # Method: the median of the observations. A setting with fewer than {} observations\n\
         # keeps the value it had (marked \"kept\").\n",
        c.min_observations
    );
    let note = |f: &Fit| {
        if f.fitted {
            format!("{} observations (was {})", f.observations, f.before)
        } else {
            format!(
                "kept: {} observations, fewer than {}",
                f.observations, c.min_observations
            )
        }
    };
    let _ = writeln!(t, "[preparation_min]");
    for f in &c.preparation_min {
        let _ = writeln!(t, "{} = {:?}  # {}", f.key, f.value, note(f));
    }
    let _ = writeln!(t, "\n[drill.walk_factor]");
    for f in &c.walk_factor {
        let key = toml::Value::String(f.key.clone()).to_string();
        let _ = writeln!(t, "{key} = {:?}  # {}", f.value, note(f));
    }
    t
}

/// Per-person differences as CSV (`compare.csv`).
pub fn compare_csv(c: &Comparison) -> String {
    let mut t = String::from(
        "person,district,mobility,primary_came,helpers_came,predicted_left_min,recorded_left_min,\
         left_diff_min,predicted_arrived_min,recorded_arrived_min,arrived_diff_min,problems\n",
    );
    let f = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for p in &c.people {
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&p.person),
            csv_field(&p.district),
            p.mobility,
            p.primary_came.map_or(String::new(), |b| b.to_string()),
            csv_field(&p.helpers_came.join(";")),
            f(p.predicted_left_min),
            f(p.recorded_left_min),
            f(p.left_diff_min),
            f(p.predicted_arrived_min),
            f(p.recorded_arrived_min),
            f(p.arrived_diff_min),
            p.problems.join(";"),
        );
    }
    t
}

/// Per-district differences as CSV (`compare-districts.csv`).
pub fn districts_csv(c: &Comparison) -> String {
    let mut t = String::from(
        "district,people,recorded,arrived,median_left_diff_min,median_arrived_diff_min\n",
    );
    let f = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for d in &c.districts {
        let _ = writeln!(
            t,
            "{},{},{},{},{},{}",
            csv_field(&d.district),
            d.people,
            d.recorded,
            d.arrived,
            f(d.median_left_diff_min),
            f(d.median_arrived_diff_min)
        );
    }
    t
}

use crate::io::csv_field;
