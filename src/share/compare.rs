//! Districts compared under one scenario: the figures of their bundles' aggregates, ranks, a
//! profile per district, and good practice found (not asserted) per hard category: the
//! districts whose coverage of the category is significantly better than the rest's, by Wilson
//! score intervals that do not overlap, with the features of the arrangements that differ.

use super::{Bundle, Pattern, ShareError, ShareParams, lives_alone};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The figures compared (higher is better for each), in display order.
pub const METRICS: [(&str, &str, &str); 6] = [
    ("coverage", "支援者の確保率", "coverage"),
    (
        "leave_coverage",
        "立ち退き避難が必要な人の確保率",
        "coverage of people who must leave",
    ),
    ("backup_rate", "予備の支援者がいる割合", "backup rate"),
    (
        "known_share",
        "顔見知りの支援者の割合",
        "known-relationship share",
    ),
    (
        "helpers_per_person",
        "要支援者1人あたりの支援者数",
        "helpers per person",
    ),
    ("drill_p_safe", "訓練での安全到達率", "drill success"),
];

/// A hard category: a documented test on a pattern (`None`: the pattern's generalised fields
/// cannot tell).
pub struct Category {
    pub code: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub test: fn(&Pattern) -> Option<bool>,
}

fn leaves(p: &Pattern) -> bool {
    p.evacuation_need == "leave"
}

fn cannot_walk(p: &Pattern) -> bool {
    matches!(
        p.mobility.as_str(),
        "wheelchair" | "bedridden" | "does_not_walk"
    )
}

fn deep(p: &Pattern) -> Option<bool> {
    match p.hazard_band.as_str() {
        "3-5" | "5-10" | "10-20" | "ge20" | "ge3" => Some(true),
        "zone" => None,
        _ => Some(false),
    }
}

/// The hard categories (`docs/data-format.md`, "compare.json").
pub const CATEGORIES: [Category; 6] = [
    Category {
        code: "cannot_walk_alone_leave",
        ja: "車いす・寝たきりで独居、立ち退き避難が必要",
        en: "wheelchair or bedridden, living alone, must leave",
        test: |p| Some(cannot_walk(p) && lives_alone(&p.household) && leaves(p)),
    },
    Category {
        code: "two_helpers_leave",
        ja: "支援者2人が必要で立ち退き避難",
        en: "needs two helpers and must leave",
        test: |p| Some(p.helpers_needed >= 2 && leaves(p)),
    },
    Category {
        code: "deep_water_leave",
        ja: "浸水3 m以上の区域から立ち退き避難",
        en: "must leave a zone 3 m deep or more",
        test: |p| deep(p).map(|d| d && leaves(p)),
    },
    Category {
        code: "night_cannot_walk",
        ja: "夜間、車いす・寝たきり",
        en: "wheelchair or bedridden, at night",
        test: |p| Some(p.time_of_day == "night" && cannot_walk(p)),
    },
    Category {
        code: "winter_leave",
        ja: "積雪期に立ち退き避難",
        en: "must leave in winter",
        test: |p| Some(p.season == "winter" && leaves(p)),
    },
    Category {
        code: "medical_devices",
        ja: "電源を要する医療機器・在宅酸素・透析",
        en: "powered devices, oxygen or dialysis",
        test: |p| Some(!p.devices.is_empty()),
    },
];

/// Wilson score interval of `x` successes in `n` at `z` (`(0, 1)` when `n` is 0).
pub fn wilson(x: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = x as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

use super::round4 as r4;

/// One district's figures, ranks and profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistrictProfile {
    pub district: String,
    pub people: usize,
    pub need_help: usize,
    pub covered: usize,
    pub must_leave: usize,
    pub patterns: usize,
    pub suppressed: usize,
    pub generalisation_level: u8,
    /// Metric code → value.
    pub metrics: BTreeMap<String, Option<f64>>,
    /// Metric code → rank (1 = best; equal values share a rank).
    pub ranks: BTreeMap<String, Option<usize>>,
    /// Metrics where the district ranks in the top quarter / bottom quarter.
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
}

/// One district's count in a category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub district: String,
    pub people: usize,
    pub covered: usize,
    pub share: Option<f64>,
    pub wilson_low: f64,
    pub wilson_high: f64,
}

/// An arrangement feature's share among the people of the category (uncovered people have no
/// arrangement, so no feature).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub feature: String,
    pub district_share: f64,
    pub rest_share: f64,
}

/// A district significantly better than the rest at a category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Better {
    pub district: String,
    pub people: usize,
    pub covered: usize,
    pub wilson_low: f64,
    pub rest_people: usize,
    pub rest_covered: usize,
    pub rest_wilson_high: f64,
    /// Features of the arrangements whose share of the category's people differs by at least
    /// `min_difference`, the district's lead first.
    pub differences: Vec<Difference>,
}

/// A hard category across the districts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryResult {
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    pub districts: Vec<CategoryCount>,
    pub better: Vec<Better>,
    /// Patterns whose generalised fields could not tell whether they belong.
    pub undetermined: usize,
}

/// `compare.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub format_version: u32,
    pub scenario: super::ScenarioKey,
    /// How "significantly better" is decided.
    pub statistic: String,
    pub metrics: Vec<String>,
    pub districts: Vec<DistrictProfile>,
    pub categories: Vec<CategoryResult>,
}

fn metric(b: &Bundle, code: &str) -> Option<f64> {
    let a = &b.aggregates;
    match code {
        "coverage" => a.coverage,
        "leave_coverage" => a.leave_coverage,
        "backup_rate" => a.backup_rate,
        "known_share" => a.known_share,
        "helpers_per_person" => a.helpers_per_person,
        "drill_p_safe" => a.drill_p_safe,
        _ => None,
    }
}

/// Binary features of a covered person's arrangement (none when not covered).
fn features(p: &Pattern) -> Vec<String> {
    if !p.covered {
        return Vec::new();
    }
    let mut f = vec![format!("method:{}", p.method)];
    if p.vehicle {
        f.push("vehicle".into());
    }
    if p.helpers >= 2 {
        f.push("two_or_more_helpers".into());
    }
    if p.family {
        f.push("family".into());
    }
    if p.known_relationship {
        f.push("known_relationship".into());
    }
    if p.backup {
        f.push("backup".into());
    }
    f.extend(p.roles.iter().map(|r| format!("role:{r}")));
    f.extend(p.skills.iter().map(|s| format!("skill:{s}")));
    f
}

fn feature_shares<'a>(ps: impl Iterator<Item = &'a Pattern>) -> (usize, BTreeMap<String, usize>) {
    let mut n = 0;
    let mut m = BTreeMap::new();
    for p in ps {
        n += 1;
        for f in features(p) {
            *m.entry(f).or_default() += 1;
        }
    }
    (n, m)
}

/// Compares bundles (given with the names of their files for errors). All must share one
/// scenario, and a district may appear once.
pub fn compare(
    bundles: &[(String, Bundle)],
    params: &ShareParams,
) -> Result<Comparison, ShareError> {
    let Some((first_name, first)) = bundles.first() else {
        return Err(ShareError::NoBundles);
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, b) in bundles {
        if b.scenario != first.scenario {
            return Err(ShareError::ScenarioMismatch {
                a: first_name.clone(),
                b: name.clone(),
                detail: format!(
                    "{:?} vs {:?}, fingerprints {} and {}",
                    first.scenario.name,
                    b.scenario.name,
                    first.scenario.fingerprint,
                    b.scenario.fingerprint
                ),
            });
        }
        if let Some(prev) = seen.insert(&b.district, name) {
            return Err(ShareError::DuplicateDistrict {
                a: prev.to_owned(),
                b: name.clone(),
                district: b.district.clone(),
            });
        }
    }
    let mut sorted: Vec<&Bundle> = bundles.iter().map(|(_, b)| b).collect();
    sorted.sort_by(|a, b| a.district.cmp(&b.district));

    // Ranks per metric.
    let mut ranks: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut ranked_count: BTreeMap<&str, usize> = BTreeMap::new();
    for (code, _, _) in METRICS {
        let vals: Vec<(f64, &str)> = sorted
            .iter()
            .filter_map(|b| metric(b, code).map(|v| (v, b.district.as_str())))
            .collect();
        ranked_count.insert(code, vals.len());
        for &(v, d) in &vals {
            let better = vals.iter().filter(|(w, _)| *w > v).count();
            ranks.insert((code, d), better + 1);
        }
    }
    let districts = sorted
        .iter()
        .map(|b| {
            let mut strengths = Vec::new();
            let mut weaknesses = Vec::new();
            let mut metrics = BTreeMap::new();
            let mut rk = BTreeMap::new();
            for (code, _, _) in METRICS {
                metrics.insert(code.to_owned(), metric(b, code));
                let r = ranks.get(&(code, b.district.as_str())).copied();
                let n = ranked_count[code];
                if let Some(r) = r
                    && n >= 4
                {
                    if r <= n.div_ceil(4) {
                        strengths.push(code.to_owned());
                    } else if r > n - n / 4 {
                        weaknesses.push(code.to_owned());
                    }
                }
                rk.insert(code.to_owned(), r);
            }
            DistrictProfile {
                district: b.district.clone(),
                people: b.aggregates.people,
                need_help: b.aggregates.need_help,
                covered: b.aggregates.covered,
                must_leave: b.aggregates.must_leave,
                patterns: b.patterns.len(),
                suppressed: b.suppressed.records,
                generalisation_level: b.generalised.level,
                metrics,
                ranks: rk,
                strengths,
                weaknesses,
            }
        })
        .collect();

    let z = params.wilson_z;
    let categories = CATEGORIES
        .iter()
        .map(|c| {
            let mut undetermined = 0;
            let members: Vec<(&str, Vec<&Pattern>)> = sorted
                .iter()
                .map(|b| {
                    let ps = b
                        .patterns
                        .iter()
                        .filter(|p| match (c.test)(p) {
                            Some(t) => t,
                            None => {
                                undetermined += 1;
                                false
                            }
                        })
                        .collect();
                    (b.district.as_str(), ps)
                })
                .collect();
            let counts: Vec<CategoryCount> = members
                .iter()
                .map(|(d, ps)| {
                    let n = ps.len();
                    let x = ps.iter().filter(|p| p.covered).count();
                    let (lo, hi) = wilson(x, n, z);
                    CategoryCount {
                        district: d.to_string(),
                        people: n,
                        covered: x,
                        share: (n > 0).then(|| r4(x as f64 / n as f64)),
                        wilson_low: r4(lo),
                        wilson_high: r4(hi),
                    }
                })
                .collect();
            let total_n: usize = counts.iter().map(|c| c.people).sum();
            let total_x: usize = counts.iter().map(|c| c.covered).sum();
            let mut better = Vec::new();
            for (i, cc) in counts.iter().enumerate() {
                let (rn, rx) = (total_n - cc.people, total_x - cc.covered);
                if cc.people == 0 || rn == 0 {
                    continue;
                }
                let (lo, _) = wilson(cc.covered, cc.people, z);
                let (_, rhi) = wilson(rx, rn, z);
                if lo <= rhi {
                    continue;
                }
                let (dn, df) = feature_shares(members[i].1.iter().copied());
                let (rcn, rf) = feature_shares(
                    members
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .flat_map(|(_, (_, ps))| ps.iter().copied()),
                );
                let mut names: Vec<&String> = df.keys().chain(rf.keys()).collect();
                names.sort();
                names.dedup();
                let mut differences: Vec<Difference> = names
                    .into_iter()
                    .filter_map(|f| {
                        let ds = df.get(f).copied().unwrap_or(0) as f64 / dn.max(1) as f64;
                        let rs = rf.get(f).copied().unwrap_or(0) as f64 / rcn.max(1) as f64;
                        ((ds - rs).abs() >= params.min_difference).then(|| Difference {
                            feature: f.clone(),
                            district_share: r4(ds),
                            rest_share: r4(rs),
                        })
                    })
                    .collect();
                differences.sort_by(|a, b| {
                    let d = |x: &Difference| x.district_share - x.rest_share;
                    d(b).total_cmp(&d(a))
                        .then_with(|| a.feature.cmp(&b.feature))
                });
                better.push(Better {
                    district: cc.district.clone(),
                    people: cc.people,
                    covered: cc.covered,
                    wilson_low: r4(lo),
                    rest_people: rn,
                    rest_covered: rx,
                    rest_wilson_high: r4(rhi),
                    differences,
                });
            }
            CategoryResult {
                code: c.code.to_owned(),
                label_ja: c.ja.to_owned(),
                label_en: c.en.to_owned(),
                districts: counts,
                better,
                undetermined,
            }
        })
        .collect();
    Ok(Comparison {
        format_version: super::FORMAT_VERSION,
        scenario: first.scenario.clone(),
        statistic: format!(
            "Wilson score interval, z = {z} (95 %): a district is better at a category when the lower bound of its covered share exceeds the upper bound of all other districts' pooled covered share"
        ),
        metrics: METRICS.iter().map(|m| m.0.to_owned()).collect(),
        districts,
        categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The Wilson interval contains p, lies in [0, 1], and narrows as n grows at fixed p;
    /// checked against the closed form computed a second way (the quadratic's roots).
    #[test]
    fn wilson_matches_the_roots_of_its_quadratic() {
        let mut rng = Rng::new(7);
        for _ in 0..500 {
            let n = 1 + rng.below(200);
            let x = rng.below(n + 1);
            let z = 1.96;
            let (lo, hi) = wilson(x, n, z);
            let p = x as f64 / n as f64;
            assert!(lo <= p + 1e-12 && p <= hi + 1e-12 && lo >= 0.0 && hi <= 1.0);
            // Roots of (p - q)^2 = z^2 q (1 - q) / n in q.
            let a = 1.0 + z * z / n as f64;
            let b = -(2.0 * p + z * z / n as f64);
            let c = p * p;
            let d = (b * b - 4.0 * a * c).max(0.0).sqrt();
            let (r1, r2) = ((-b - d) / (2.0 * a), (-b + d) / (2.0 * a));
            assert!((lo - r1.max(0.0)).abs() < 1e-9, "{x}/{n}: {lo} vs {r1}");
            assert!((hi - r2.min(1.0)).abs() < 1e-9, "{x}/{n}: {hi} vs {r2}");
        }
    }
}
