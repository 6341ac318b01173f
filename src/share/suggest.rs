//! For each uncovered person of a district: the arrangements that covered people like them in
//! other districts (from bundles), and which of them the district can try with its own
//! volunteers, checked by re-planning with a pin ([`Planner::replan`], [`Change::Pin`]).
//!
//! "Like them": same mobility (or its group, when a bundle generalised it), same evacuation
//! need, same number of helpers needed. A volunteer fits an arrangement when they consented
//! to be named, are available at the scenario's time, hold one of the arrangement's roles
//! (when it names any) and have a car when it used one (and wheelchair training when it did).
//! A pin is proposed when the planner follows it and covers the person; the people of the
//! district it would leave uncovered are listed with it.

use super::{Bundle, Pattern, ShareError, ShareParams, mobility_group};
use crate::model::{Lang, Role, Skill};
use crate::plan::engine::{Change, Planned, Planner};
use crate::plan::{Plan, Reason};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How people like this were covered elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Arrangement {
    pub helpers: u8,
    pub roles: Vec<String>,
    pub vehicle: bool,
    pub skills: Vec<String>,
    pub method: String,
    pub family: bool,
}

impl Arrangement {
    fn of(p: &Pattern) -> Arrangement {
        Arrangement {
            helpers: p.helpers,
            roles: p.roles.clone(),
            vehicle: p.vehicle,
            skills: p.skills.clone(),
            method: p.method.clone(),
            family: p.family,
        }
    }

    /// "2 helpers (担い手・世話係) with a car".
    pub fn describe(&self, lang: Lang) -> String {
        let roles: Vec<&str> = self
            .roles
            .iter()
            .map(|r| Role::parse(r).map_or(r.as_str(), |r| r.label(lang)))
            .collect();
        let roles = roles.join(lang.pick("・", ", "));
        let mut s = match (lang, self.helpers) {
            (_, 0) => lang.pick("同居家族のみ", "family only").to_owned(),
            (Lang::Ja, n) => format!("支援者{n}人（{roles}）"),
            (Lang::En, n) => format!(
                "{} ({roles})",
                crate::plan::count_noun(usize::from(n), "helper", "helpers")
            ),
        };
        if self.family && self.helpers > 0 {
            s.push_str(lang.pick("＋同居家族", " + family"));
        }
        if self.vehicle {
            s.push_str(lang.pick("、車両あり", ", with a car"));
        }
        if self.skills.iter().any(|k| k == "wheelchair") {
            s.push_str(lang.pick("、車いす介助研修", ", wheelchair-trained"));
        }
        s
    }
}

/// One district's record for people like this one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Elsewhere {
    pub district: String,
    /// Patterns like this person in that district, and of them covered.
    pub like_this: usize,
    pub covered: usize,
    /// The most common arrangement among the covered, and how many it covered.
    pub arrangement: Arrangement,
    pub by_arrangement: usize,
    /// "D07: 9 of 11 like this covered; 6 by …".
    pub text_ja: String,
    pub text_en: String,
}

/// A pin tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub helper: String,
    pub arrangement: Arrangement,
    /// From which district's practice.
    pub from_district: String,
    /// The planner followed the pin and the person is covered.
    pub accepted: bool,
    /// Destination of the person's plan with the pin.
    pub destination: Option<String>,
    /// People of the district covered before and not with the pin.
    pub others_uncovered: Vec<String>,
}

/// Suggestions for one uncovered person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonSuggestion {
    pub person: String,
    pub mobility: String,
    pub evacuation_need: String,
    pub helpers_needed: u8,
    pub reasons: Vec<String>,
    pub elsewhere: Vec<Elsewhere>,
    pub trials: Vec<Trial>,
}

/// A pin a coordinator can accept (`pins.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PinProposal {
    pub person: String,
    pub helper: String,
    pub destination: Option<String>,
    pub from_district: String,
    pub arrangement: Arrangement,
    pub others_uncovered: usize,
}

/// `suggest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuggestReport {
    pub district: String,
    pub scenario: String,
    pub uncovered: usize,
    pub with_practice: usize,
    pub people: Vec<PersonSuggestion>,
    pub pins: Vec<PinProposal>,
}

fn like(p: &Pattern, plan: &Plan) -> bool {
    let m = plan.mobility;
    (p.mobility == m.code() || p.mobility == mobility_group(m))
        && p.evacuation_need == plan.evacuation_need.code()
        && p.helpers_needed == plan.helpers_needed
}

/// The practice of other districts for `plan`'s person: per district, the commonest covered
/// arrangement, districts with the most covered first, at most `max_districts`.
pub fn practice_for(plan: &Plan, bundles: &[Bundle], max_districts: usize) -> Vec<Elsewhere> {
    let mut out = Vec::new();
    for b in bundles.iter().filter(|b| b.district != plan.district) {
        let ps: Vec<&Pattern> = b.patterns.iter().filter(|p| like(p, plan)).collect();
        let covered: Vec<&&Pattern> = ps.iter().filter(|p| p.covered).collect();
        if covered.is_empty() {
            continue;
        }
        let mut by: BTreeMap<Arrangement, usize> = BTreeMap::new();
        for p in &covered {
            *by.entry(Arrangement::of(p)).or_default() += 1;
        }
        let (arr, n) = by
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .expect("non-empty");
        let text_ja = format!(
            "{}: 同様の{}人中{}人に支援者を確保、うち{}人は{}",
            b.district,
            ps.len(),
            covered.len(),
            n,
            arr.describe(Lang::Ja)
        );
        let text_en = format!(
            "{}: {} of {} like this covered; {} by {}",
            b.district,
            covered.len(),
            ps.len(),
            n,
            arr.describe(Lang::En)
        );
        out.push(Elsewhere {
            district: b.district.clone(),
            like_this: ps.len(),
            covered: covered.len(),
            arrangement: arr,
            by_arrangement: n,
            text_ja,
            text_en,
        });
    }
    out.sort_by(|a, b| {
        b.covered
            .cmp(&a.covered)
            .then_with(|| b.by_arrangement.cmp(&a.by_arrangement))
            .then_with(|| a.district.cmp(&b.district))
    });
    out.truncate(max_districts);
    out
}

/// Suggestions for every uncovered person of `district` in `planned` (see the module
/// documentation). `planned` is left as it was.
pub fn suggest(
    planner: &Planner,
    planned: &Planned,
    district: &str,
    bundles: &[Bundle],
    params: &ShareParams,
) -> Result<SuggestReport, ShareError> {
    let map = planner.map();
    let did = map
        .find_district(district)
        .ok_or_else(|| ShareError::UnknownDistrict(district.to_owned()))?;
    let scenario = planned.scenario();
    let night = scenario.night();
    let run = planned.run();
    let covered_before: BTreeSet<&str> = run
        .plans
        .iter()
        .filter(|p| p.district == district && p.needs_help && p.covered)
        .map(|p| p.person.as_str())
        .collect();
    let uncovered: Vec<&Plan> = run
        .plans
        .iter()
        .filter(|p| p.district == district && p.needs_help && !p.covered)
        .collect();
    let mut people = Vec::new();
    let mut pins = Vec::new();
    let mut with_practice = 0;
    for plan in &uncovered {
        let elsewhere = practice_for(plan, bundles, params.districts_per_person);
        with_practice += usize::from(!elsewhere.is_empty());
        let Some(pid) = map.find_person(&plan.person) else {
            continue;
        };
        let home = map.person(pid).home;
        let mut trials: Vec<Trial> = Vec::new();
        let mut tried: BTreeSet<String> = BTreeSet::new();
        'arrangements: for e in &elsewhere {
            let a = &e.arrangement;
            // A household member's help cannot be lent by neighbours.
            if a.helpers == 0 {
                continue;
            }
            let mut fits: Vec<(f64, &str)> = map
                .volunteers
                .iter()
                .filter(|v| {
                    v.district == did
                        && v.consent_named
                        && v.availability.at(scenario.weekend, night)
                        && (a.roles.is_empty()
                            || a.roles
                                .iter()
                                .any(|r| Role::parse(r).is_some_and(|r| v.has_role(r))))
                        && (!a.vehicle || v.has_skill(Skill::Car))
                        && (!a.skills.iter().any(|s| s == "wheelchair")
                            || v.has_skill(Skill::Wheelchair))
                })
                .map(|v| (v.home.distance_m(home), v.ext_id.as_str()))
                .collect();
            fits.sort_by(|x, y| x.0.total_cmp(&y.0).then_with(|| x.1.cmp(y.1)));
            for (_, helper) in fits.into_iter().take(params.candidates_per_arrangement) {
                if trials.len() >= params.max_trials_per_person {
                    break 'arrangements;
                }
                if !tried.insert(helper.to_owned()) {
                    continue;
                }
                let mut trial = planned.clone();
                planner.replan(
                    &mut trial,
                    district,
                    &Change::Pin {
                        person: plan.person.clone(),
                        helper: Some(helper.to_owned()),
                        destination: None,
                    },
                )?;
                let after = trial.run();
                let mine = after.plans.iter().find(|p| p.person == plan.person);
                let accepted =
                    mine.is_some_and(|p| p.covered && p.primary_helpers().any(|h| h.id == helper));
                let still: BTreeSet<&str> = after
                    .plans
                    .iter()
                    .filter(|p| p.district == district && p.needs_help && p.covered)
                    .map(|p| p.person.as_str())
                    .collect();
                let others_uncovered = covered_before
                    .difference(&still)
                    .map(|s| s.to_string())
                    .collect();
                trials.push(Trial {
                    helper: helper.to_owned(),
                    arrangement: a.clone(),
                    from_district: e.district.clone(),
                    accepted,
                    destination: mine.and_then(|p| p.destination.as_ref().map(|d| d.id.clone())),
                    others_uncovered,
                });
            }
        }
        if let Some(best) = trials
            .iter()
            .filter(|t| t.accepted)
            .min_by_key(|t| t.others_uncovered.len())
        {
            pins.push(PinProposal {
                person: plan.person.clone(),
                helper: best.helper.clone(),
                destination: best.destination.clone(),
                from_district: best.from_district.clone(),
                arrangement: best.arrangement.clone(),
                others_uncovered: best.others_uncovered.len(),
            });
        }
        people.push(PersonSuggestion {
            person: plan.person.clone(),
            mobility: plan.mobility.code().to_owned(),
            evacuation_need: plan.evacuation_need.code().to_owned(),
            helpers_needed: plan.helpers_needed,
            reasons: plan
                .reasons
                .iter()
                .map(Reason::code)
                .map(String::from)
                .collect(),
            elsewhere,
            trials,
        });
    }
    Ok(SuggestReport {
        district: district.to_owned(),
        scenario: scenario.name.clone(),
        uncovered: uncovered.len(),
        with_practice,
        people,
        pins,
    })
}

/// `pins.csv` of the proposals (the map folder's format: `person_id, helper_id,
/// destination_id, note`), ready to be reviewed and copied into the map folder.
pub fn pins_csv(r: &SuggestReport) -> String {
    let mut s = String::from("person_id,helper_id,destination_id,note\n");
    for p in &r.pins {
        let note = format!(
            "{}の実践（{}）を参考に提案{}",
            p.from_district,
            p.arrangement.describe(Lang::Ja),
            if p.others_uncovered > 0 {
                format!("。他に{}人が未確保になります", p.others_uncovered)
            } else {
                String::new()
            }
        );
        s.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(&p.person),
            csv_field(&p.helper),
            csv_field(p.destination.as_deref().unwrap_or("")),
            csv_field(&note)
        ));
    }
    s
}

/// `suggest.csv`: one row per uncovered person and practice found elsewhere.
pub fn suggest_csv(r: &SuggestReport, lang: Lang) -> String {
    let mut s = String::from(lang.pick(
        "対象者,移動,未確保の理由,他地区の実践,試した支援者,計画で確認\n",
        "person,mobility,reasons,practice elsewhere,helpers tried,accepted by the planner\n",
    ));
    for p in &r.people {
        let reasons = p
            .reasons
            .iter()
            .map(|c| Reason::label_of(c, lang))
            .collect::<Vec<_>>()
            .join(" / ");
        let practice = p
            .elsewhere
            .iter()
            .map(|e| lang.pick(&e.text_ja, &e.text_en).to_owned())
            .collect::<Vec<_>>()
            .join(" / ");
        let tried = p
            .trials
            .iter()
            .map(|t| t.helper.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let ok = p
            .trials
            .iter()
            .filter(|t| t.accepted)
            .map(|t| t.helper.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let mobility = crate::model::Mobility::parse(&p.mobility)
            .map_or(p.mobility.clone(), |m| m.label(lang).to_owned());
        s.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(&p.person),
            csv_field(&mobility),
            csv_field(&reasons),
            csv_field(&practice),
            csv_field(&tried),
            csv_field(&ok)
        ));
    }
    s
}

use crate::io::csv_field;
