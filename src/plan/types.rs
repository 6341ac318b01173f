//! The plan values the engine produces: one [`Plan`] per person who consented to drafting,
//! reasons and warnings with their facts, priority, and the run summary.
//!
//! Everything here is plain data with serde, in the order a coordinator reads it; every ID
//! is the map folder's external id, so `plans.json` can be read without the map.

use crate::model::{Contact, HazardType, Lang, LonLat, Mobility, Need, Skill, SupportReason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A short text in Japanese and English (what the engine writes on plans). Free text typed by
/// a coordinator is the same in both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalText {
    pub ja: String,
    pub en: String,
}

impl LocalText {
    pub fn new(ja: &str, en: &str) -> Self {
        LocalText {
            ja: ja.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

impl From<&str> for LocalText {
    fn from(s: &str) -> Self {
        LocalText::new(s, s)
    }
}

/// How the person gets to safety.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// On foot, with a helper beside them.
    Walk,
    /// A wheelchair pushed by a helper.
    Wheelchair,
    /// By car, driven by a helper (bedridden people, with two helpers).
    Car,
    /// 屋内安全確保: stay on a floor above the expected flood depth.
    StayUpstairs,
    /// 在宅避難 (home outside every active zone) or the facility's own plan: nobody moves.
    StayHome,
}

impl Method {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Method::Walk => lang.pick("徒歩（支援者が付き添い）", "on foot, with a helper"),
            Method::Wheelchair => {
                lang.pick("車いす（支援者が介助）", "wheelchair, pushed by a helper")
            }
            Method::Car => lang.pick(
                "車両（支援者2名、担架・抱きかかえ）",
                "car, with two helpers",
            ),
            Method::StayUpstairs => lang.pick(
                "屋内安全確保（上階へ垂直避難）",
                "stay on a safe upper floor",
            ),
            Method::StayHome => lang.pick("在宅（移動しない）", "stay at home"),
        }
    }
}

/// What the person must do in this scenario (one per consented person).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvacuationNeed {
    /// 立ち退き避難: the home is unsafe; leave for a destination before the water.
    Leave,
    /// 屋内安全確保: a floor above the water, short flooding, no collapse or landslide zone.
    Upstairs,
    /// 在宅避難: the home is outside every active zone; nobody moves.
    StayHome,
    /// Lives in a facility (施設入所): the facility's own plan (避難確保計画) covers them.
    Facility,
}

impl EvacuationNeed {
    pub const ALL: [EvacuationNeed; 4] = [
        EvacuationNeed::Leave,
        EvacuationNeed::Upstairs,
        EvacuationNeed::StayHome,
        EvacuationNeed::Facility,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EvacuationNeed::Leave => "leave",
            EvacuationNeed::Upstairs => "upstairs",
            EvacuationNeed::StayHome => "stay_home",
            EvacuationNeed::Facility => "facility",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EvacuationNeed::Leave => lang.pick("立ち退き避難", "leave home"),
            EvacuationNeed::Upstairs => lang.pick("屋内安全確保", "stay upstairs"),
            EvacuationNeed::StayHome => lang.pick("在宅避難", "stay at home"),
            EvacuationNeed::Facility => lang.pick("施設の避難確保計画", "facility's own plan"),
        }
    }
}

/// Priority band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    High,
    Middle,
    Low,
}

impl Band {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Band::High => lang.pick("高", "high"),
            Band::Middle => lang.pick("中", "middle"),
            Band::Low => lang.pick("低", "low"),
        }
    }
}

/// One factor of the priority score, with its multiplier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriorityFactor {
    pub ja: String,
    pub en: String,
    pub multiplier: f64,
}

/// Priority: score = hazard × need × household, banded; `weight` weights coverage in matching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub score: f64,
    pub band: Band,
    /// Integer weight used by the matching (score × 10, at least 1).
    pub weight: u64,
    pub factors: Vec<PriorityFactor>,
}

/// Why a person is not covered (or why no plan was drafted). Each carries the facts its
/// sentence names; [`Reason::sentence`] writes it in Japanese or English.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum Reason {
    /// No consent to drafting a plan: no plan is drafted (counted apart).
    NoConsent,
    /// Home farther than the snap limit from any usable road; `distance_m` is `None` when
    /// there is no road this person can use at all.
    OffNetwork { distance_m: Option<f64> },
    /// Active hazards close every way out before the person can leave: `water_min` is when
    /// water reaches the home (minutes after the alert, if a flood), `depart_min` the earliest
    /// departure (warning and preparation), `margin_min` the safety margin.
    NoSafeRoute {
        water_min: Option<f64>,
        depart_min: f64,
        margin_min: f64,
    },
    /// No designated, safe, suitable destination reachable at all.
    NoDestination,
    /// Suitable destinations are in reach, but all are full.
    DestinationsFull { nearest: String },
    /// The nearest suitable destination takes longer than the lead time allows.
    TooSlow {
        evacuation_secs: f64,
        available_secs: f64,
    },
    /// No helper within the travel limit; `nearest_secs` is the nearest helper's travel time, if
    /// any was found within the search bound; `nearest_straight_m` the straight-line distance to
    /// the nearest helper when it is under half of what could be walked in the limit: then the
    /// streets themselves (a river, a missing bridge, a closure) are the obstacle.
    NoHelperInReach {
        limit_secs: f64,
        nearest_secs: Option<f64>,
        nearest_straight_m: Option<f64>,
    },
    /// Helpers are in reach, but none is available at this time of day / week.
    NobodyAvailable { night: bool, in_reach: usize },
    /// Helpers are in reach and available, but none has the skill needed (`car`: too few of
    /// the eligible drive).
    SkillMissing {
        #[serde(deserialize_with = "skill_lenient")]
        skill: Skill,
        in_reach: usize,
    },
    /// Helpers in reach have not consented to be named in plans.
    HelpersWithoutConsent { count: usize },
    /// Helpers exist, but none can arrive in time: the earliest arrives `earliest_min`
    /// minutes after the alert, and help must arrive by `latest_min` (to prepare and leave, or
    /// to get the person upstairs, before the water).
    HelperTooLate { earliest_min: f64, latest_min: f64 },
    /// Needs two helpers; fewer than two are eligible.
    NotEnoughHelpers { needed: u8, eligible: usize },
    /// Eligible helpers are already escorting others up to their capacity (named, with whom);
    /// `free` eligible helpers are left, fewer than the person needs. With `drivers`, enough
    /// helpers are free but too few of them drive: `helpers` are the busy drivers and `free`
    /// the free ones.
    HelpersAtCapacity {
        helpers: Vec<BusyHelper>,
        free: usize,
        #[serde(default)]
        drivers: bool,
    },
}

/// An eligible helper used up by others, for [`Reason::HelpersAtCapacity`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusyHelper {
    pub id: String,
    pub helps: Vec<String>,
}

impl Reason {
    /// Stable code, as in `uncovered.csv` and `summary.json`.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoConsent => "no_consent",
            Reason::OffNetwork { .. } => "off_network",
            Reason::NoSafeRoute { .. } => "no_safe_route",
            Reason::NoDestination => "no_destination",
            Reason::DestinationsFull { .. } => "destinations_full",
            Reason::TooSlow { .. } => "too_slow",
            Reason::NoHelperInReach { .. } => "no_helper_in_reach",
            Reason::NobodyAvailable { .. } => "nobody_available",
            Reason::SkillMissing { .. } => "skill_missing",
            Reason::HelpersWithoutConsent { .. } => "helpers_without_consent",
            Reason::HelperTooLate { .. } => "helper_too_late",
            Reason::NotEnoughHelpers { .. } => "not_enough_helpers",
            Reason::HelpersAtCapacity { .. } => "helpers_at_capacity",
        }
    }

    /// A short label (tables).
    pub fn label(&self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            Reason::NoConsent => ("計画作成に未同意", "no consent"),
            Reason::OffNetwork { .. } => ("道路から離れている", "off the road network"),
            Reason::NoSafeRoute { .. } => ("安全な経路なし", "no safe route"),
            Reason::NoDestination => ("避難先なし", "no destination"),
            Reason::DestinationsFull { .. } => ("避難先が満員", "destinations full"),
            Reason::TooSlow { .. } => ("避難が間に合わない", "too slow"),
            Reason::NoHelperInReach { .. } => ("近くに支援者なし", "no helper in reach"),
            Reason::NobodyAvailable { .. } => ("対応できる時間の支援者なし", "nobody available"),
            Reason::SkillMissing { .. } => ("必要な技能の支援者なし", "skill missing"),
            Reason::HelpersWithoutConsent { .. } => {
                ("支援者が記載に未同意", "helpers without consent")
            }
            Reason::HelperTooLate { .. } => ("支援者が間に合わない", "helpers too late"),
            Reason::NotEnoughHelpers { .. } => ("支援者の人数不足", "not enough helpers"),
            Reason::HelpersAtCapacity { .. } => ("支援者が手いっぱい", "helpers at capacity"),
        };
        lang.pick(ja, en)
    }

    /// A short label for a reason code (tables, counts kept by code); "other reason" for a
    /// code this version does not know (a newer file), never the code itself.
    pub fn label_of(code: &str, lang: Lang) -> &'static str {
        // Built once: tables call this per row.
        static ALL: std::sync::LazyLock<Vec<Reason>> =
            std::sync::LazyLock::new(Reason::one_of_each);
        match ALL.iter().find(|r| r.code() == code) {
            Some(r) => r.label(lang),
            None => lang.pick("その他の理由", "other reason"),
        }
    }

    /// One value of every variant (facts zero or empty), in code order: the list behind
    /// [`Reason::label_of`] and the tests that read every sentence.
    pub fn one_of_each() -> Vec<Reason> {
        let all = vec![
            Reason::NoConsent,
            Reason::OffNetwork { distance_m: None },
            Reason::NoSafeRoute {
                water_min: None,
                depart_min: 0.0,
                margin_min: 0.0,
            },
            Reason::NoDestination,
            Reason::DestinationsFull {
                nearest: String::new(),
            },
            Reason::TooSlow {
                evacuation_secs: 0.0,
                available_secs: 0.0,
            },
            Reason::NoHelperInReach {
                limit_secs: 0.0,
                nearest_secs: None,
                nearest_straight_m: None,
            },
            Reason::NobodyAvailable {
                night: false,
                in_reach: 0,
            },
            Reason::SkillMissing {
                skill: Skill::Car,
                in_reach: 0,
            },
            Reason::HelpersWithoutConsent { count: 0 },
            Reason::HelperTooLate {
                earliest_min: 0.0,
                latest_min: 0.0,
            },
            Reason::NotEnoughHelpers {
                needed: 0,
                eligible: 0,
            },
            Reason::HelpersAtCapacity {
                helpers: Vec::new(),
                free: 0,
                drivers: false,
            },
        ];
        // A new variant must join the list: this match stops compiling until it is placed.
        let _exhaustive = |r: &Reason| match r {
            Reason::NoConsent
            | Reason::OffNetwork { .. }
            | Reason::NoSafeRoute { .. }
            | Reason::NoDestination
            | Reason::DestinationsFull { .. }
            | Reason::TooSlow { .. }
            | Reason::NoHelperInReach { .. }
            | Reason::NobodyAvailable { .. }
            | Reason::SkillMissing { .. }
            | Reason::HelpersWithoutConsent { .. }
            | Reason::HelperTooLate { .. }
            | Reason::NotEnoughHelpers { .. }
            | Reason::HelpersAtCapacity { .. } => (),
        };
        all
    }

    /// The reason as a sentence naming its facts.
    pub fn sentence(&self, lang: Lang) -> String {
        let min = |s: f64| (s / 60.0).ceil() as i64;
        match (self, lang) {
            (Reason::NoConsent, Lang::Ja) => "本人の同意がないため計画を作成していません。".into(),
            (Reason::NoConsent, Lang::En) => {
                "No consent to drafting a plan, so none was drafted.".into()
            }
            // No usable road at all (an empty road layer, or none the person's mode can use).
            (Reason::OffNetwork { distance_m: None }, l) => l
                .pick(
                    "この移動方法で使える道路が地図にないため、経路を計算できません。",
                    "The map has no road this person can use, so no route can be computed.",
                )
                .into(),
            (
                Reason::OffNetwork {
                    distance_m: Some(distance_m),
                },
                Lang::Ja,
            ) => {
                format!("自宅から最寄りの道路まで{distance_m:.0} mあり、経路を計算できません。")
            }
            (
                Reason::OffNetwork {
                    distance_m: Some(distance_m),
                },
                Lang::En,
            ) => format!(
                "The home is {distance_m:.0} m from the nearest road; no route can be computed."
            ),
            (
                Reason::NoSafeRoute {
                    water_min: Some(w),
                    depart_min,
                    margin_min,
                },
                Lang::Ja,
            ) => format!(
                "水が自宅に達するのは警報から{}分後で、安全のための余裕{}分を見込むと、早くても{}分後の出発では間に合う道がありません。",
                min(*w * 60.0),
                min(*margin_min * 60.0),
                min(*depart_min * 60.0)
            ),
            (
                Reason::NoSafeRoute {
                    water_min: Some(w),
                    depart_min,
                    margin_min,
                },
                Lang::En,
            ) => format!(
                "Water reaches the home {} min after the alert; with a {} min safety margin, no way out is open for a departure {} min after the alert, the earliest possible.",
                min(*w * 60.0),
                min(*margin_min * 60.0),
                min(*depart_min * 60.0)
            ),
            (
                Reason::NoSafeRoute {
                    water_min: None, ..
                },
                Lang::Ja,
            ) => "想定される浸水・土砂災害で自宅からの道がすべて通行できません。".into(),
            (
                Reason::NoSafeRoute {
                    water_min: None, ..
                },
                Lang::En,
            ) => "The hazard closes every way out of the home.".into(),
            (Reason::NoDestination, Lang::Ja) => {
                "この災害種別に指定され、安全で条件に合う避難先に到達できません。".into()
            }
            (Reason::NoDestination, Lang::En) => {
                "No destination designated for this hazard, safe and suitable, can be reached."
                    .into()
            }
            (Reason::DestinationsFull { nearest }, Lang::Ja) => {
                format!("到達できる避難先はすべて定員に達しています。最寄りは{nearest}です。")
            }
            (Reason::DestinationsFull { nearest }, Lang::En) => {
                format!("Every reachable destination is full; the nearest is {nearest}.")
            }
            (
                Reason::TooSlow {
                    evacuation_secs,
                    available_secs,
                },
                Lang::Ja,
            ) => format!(
                "最寄りの避難先まで{}分かかり、避難に使える{}分を超えます。",
                min(*evacuation_secs),
                min(*available_secs)
            ),
            (
                Reason::TooSlow {
                    evacuation_secs,
                    available_secs,
                },
                Lang::En,
            ) => format!(
                "The nearest destination takes {} min, more than the {} min available.",
                min(*evacuation_secs),
                min(*available_secs)
            ),
            (
                Reason::NoHelperInReach {
                    limit_secs,
                    nearest_secs,
                    nearest_straight_m,
                },
                l,
            ) => {
                let limit = min(*limit_secs);
                let mut out = match (l, nearest_secs) {
                    (Lang::Ja, Some(n)) => format!(
                        "{limit}分以内に到着できる支援者がいません（最も近い支援者で{}分）。",
                        min(*n)
                    ),
                    (Lang::En, Some(n)) => format!(
                        "No helper can arrive within {limit} min (the nearest needs {} min).",
                        min(*n)
                    ),
                    (Lang::Ja, None) => format!(
                        "{limit}分以内に到着できる支援者がいません（近隣に支援者がいません）。"
                    ),
                    (Lang::En, None) => {
                        format!("No helper can arrive within {limit} min (none nearby at all).")
                    }
                };
                // A helper close in a straight line but far by road: say what stands between.
                if let Some(d) = nearest_straight_m {
                    out.push_str(&match l {
                        Lang::Ja => format!("直線距離では{d:.0} mの支援者がいますが、川・橋・通行止めで道のりが遠くなっています。"),
                        Lang::En => format!(" A helper lives {d:.0} m away in a straight line, but a river, a missing bridge or a closure lies between."),
                    });
                }
                out
            }
            (Reason::NobodyAvailable { night, in_reach }, Lang::Ja) => {
                let when = if *night { "夜間" } else { "この時間帯" };
                match in_reach {
                    0 => format!("{when}に対応できる近隣の支援者がいません。"),
                    1 => format!("近隣の支援者1人は{when}に対応できません。"),
                    n => format!("近隣の支援者{n}人はいずれも{when}に対応できません。"),
                }
            }
            (Reason::NobodyAvailable { night, in_reach }, Lang::En) => {
                let when = if *night { "at night" } else { "at this time" };
                match in_reach {
                    0 => format!("No helper in reach is available {when}."),
                    1 => format!("The only helper in reach is not available {when}."),
                    n => format!("None of the {n} helpers in reach is available {when}."),
                }
            }
            (Reason::SkillMissing { skill, in_reach }, Lang::Ja) => {
                let can = skill_can_ja(*skill);
                match in_reach {
                    0 => format!("{can}支援者が近隣にいません。"),
                    n => format!("対応できる近隣の支援者{n}人のうち、{can}人がいません。"),
                }
            }
            (Reason::SkillMissing { skill, in_reach }, Lang::En) => {
                let verb = skill_verb(*skill);
                match in_reach {
                    0 => format!("No available helper in reach can {verb}."),
                    1 => format!("The only available helper in reach cannot {verb}."),
                    n => format!("None of the {n} available helpers in reach can {verb}."),
                }
            }
            (Reason::HelpersWithoutConsent { count }, Lang::Ja) => match count {
                0 => "計画への氏名記載に同意した近隣の支援者がいません。".into(),
                n => format!("近隣の支援者{n}人は計画への氏名記載に同意していません。"),
            },
            (Reason::HelpersWithoutConsent { count }, Lang::En) => match count {
                0 => "No helper in reach has consented to be named in plans.".into(),
                1 => "The only helper in reach has not consented to be named in plans.".into(),
                n => {
                    format!("None of the {n} helpers in reach has consented to be named in plans.")
                }
            },
            (
                Reason::HelperTooLate {
                    earliest_min,
                    latest_min,
                },
                Lang::Ja,
            ) => format!(
                "支援者が到着できるのは早くても警報から{}分後で、水が来る前に支援を終えるには{}分後までに到着する必要があります。",
                min(*earliest_min * 60.0),
                (*latest_min).floor().max(0.0) as i64
            ),
            (
                Reason::HelperTooLate {
                    earliest_min,
                    latest_min,
                },
                Lang::En,
            ) => format!(
                "The earliest a helper can arrive is {} min after the alert, but help must arrive by minute {} to finish before the water.",
                min(*earliest_min * 60.0),
                (*latest_min).floor().max(0.0) as i64
            ),
            (Reason::NotEnoughHelpers { needed, eligible }, Lang::Ja) => match eligible {
                0 => format!("支援者が{needed}人必要ですが、条件を満たす支援者がいません。"),
                e => format!("支援者が{needed}人必要ですが、条件を満たす支援者は{e}人だけです。"),
            },
            (Reason::NotEnoughHelpers { needed, eligible }, Lang::En) => {
                let needs = count_noun(usize::from(*needed), "helper", "helpers");
                match eligible {
                    0 => format!("Needs {needs}, but none is eligible."),
                    1 => format!("Needs {needs}, but only 1 is eligible."),
                    e => format!("Needs {needs}, but only {e} are eligible."),
                }
            }
            (
                Reason::HelpersAtCapacity {
                    helpers,
                    free,
                    drivers,
                },
                l,
            ) => {
                let list = helpers
                    .iter()
                    .map(|h| {
                        if h.helps.is_empty() {
                            // Busy not with others but with time: the round cannot fit them.
                            let why = l.pick("時間内に回りきれない", "no time left in their round");
                            format!("{} → {why}", h.id)
                        } else {
                            format!("{} → {}", h.id, h.helps.join(l.pick("・", ", ")))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(l.pick("、", "; "));
                match (l, free, drivers) {
                    (Lang::Ja, _, true) => format!(
                        "車で避難するため運転できる支援者が必要ですが、車を持つ支援者は他の方の支援で手一杯です（{list}）。"
                    ),
                    (Lang::En, _, true) => format!(
                        "Goes by car and needs a helper who drives, but every eligible helper with a car is already escorting others ({list})."
                    ),
                    (Lang::Ja, 0, false) => {
                        format!("条件を満たす支援者は全員、他の方の支援で手一杯です（{list}）。")
                    }
                    (Lang::En, 0, false) => {
                        format!("Every eligible helper is already escorting others ({list}).")
                    }
                    (Lang::Ja, f, false) => format!(
                        "支援者が2人必要ですが、空いている支援者は{f}人だけで、他は手一杯です（{list}）。"
                    ),
                    (Lang::En, 1, false) => format!(
                        "Needs two helpers, but only 1 eligible helper is free; the others are busy ({list})."
                    ),
                    (Lang::En, f, false) => format!(
                        "Needs more helpers than the {f} eligible ones who are free; the others are busy ({list})."
                    ),
                }
            }
        }
    }
}

/// `n` and the noun, singular for one: "1 helper", "2 helpers", "0 helpers".
pub fn count_noun(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What a helper with `skill` can do, as an English verb phrase ("cannot {verb}").
pub fn skill_verb(skill: Skill) -> &'static str {
    match skill {
        Skill::Car => "drive the person by car",
        Skill::Wheelchair => "push a wheelchair (no training)",
        Skill::Stretcher => "carry a stretcher",
        Skill::Nursing => "give nursing care",
    }
}

/// What a helper with `skill` can do, as a Japanese modifier ("{can}人").
pub fn skill_can_ja(skill: Skill) -> &'static str {
    match skill {
        Skill::Car => "車で送迎できる",
        Skill::Wheelchair => "車いすの介助ができる",
        Skill::Stretcher => "担架で運べる",
        Skill::Nursing => "看護・介護ができる",
    }
}

/// Reads a skill code, or what earlier versions wrote there (the Japanese label, or
/// "車両 / has a car").
pub(crate) fn skill_lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Skill, D::Error> {
    let s = String::deserialize(d)?;
    let first = s.split(" / ").next().unwrap_or_default();
    Skill::parse(first).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown skill, expected one of {}",
            Skill::expected()
        ))
    })
}

/// Which hand-set choice (`pins.csv`) a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinKind {
    Helper,
    Destination,
}

impl PinKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PinKind::Helper => lang.pick("支援者", "helper"),
            PinKind::Destination => lang.pick("避難先", "destination"),
        }
    }
}

/// A warning on a covered person's plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "code")]
pub enum Warning {
    /// No backup helper could be found.
    NoBackup,
    /// A walk longer than the recommended maximum (about 500 m).
    LongWalk { length_m: f64, limit_m: f64 },
    /// No watch contact in the last N days: the plan may be stale.
    StaleContact { days: i64, last: Option<String> },
    /// A helper is above the age limit (a last resort).
    HelperOverAge { helper: String, age: i32 },
    /// Needs a welfare shelter; none takes direct evacuation in reach, so a general shelter.
    WelfareFallback,
    /// The backup already escorts as many people as they can (`helps`): nobody free could
    /// back this person up.
    BackupBusy { helper: String, helps: Vec<String> },
    /// A hand-set choice (`pins.csv`) could not be followed.
    /// `kind` is `helper` or `destination`; `id` the pinned volunteer or shelter.
    PinNotFollowed {
        kind: PinKind,
        id: String,
        reason: LocalText,
    },
    /// The destination's capacity is unknown.
    UnknownCapacity,
    /// Stays upstairs, but the bedroom is below the safe floor: move it or help them up.
    BedroomBelowSafeFloor { bedroom_floor: u8, safe_floor: u8 },
    /// The matching hit its search budget; the helper choice may not be the best possible.
    MatchingNotProven,
    /// Depends on powered medical equipment: plan power at the destination.
    PowerNeeded,
    /// The route passes through a landslide zone because no other way exists.
    ThroughLandslideZone,
    /// A wheelchair user whose named helpers have no wheelchair training.
    NoWheelchairTraining,
    /// A real drill showed the plan failing (`plan --drill-results`): primary helpers who did
    /// not come, minutes late beyond the plan's slack, and the problem codes recorded.
    DrillFailed {
        missing_helpers: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late_by_min: Option<f64>,
        problems: Vec<String>,
    },
}

impl Warning {
    pub fn code(&self) -> &'static str {
        match self {
            Warning::NoBackup => "no_backup",
            Warning::LongWalk { .. } => "long_walk",
            Warning::StaleContact { .. } => "stale_contact",
            Warning::HelperOverAge { .. } => "helper_over_age",
            Warning::WelfareFallback => "welfare_fallback",
            Warning::BackupBusy { .. } => "backup_busy",
            Warning::PinNotFollowed { .. } => "pin_not_followed",
            Warning::UnknownCapacity => "unknown_capacity",
            Warning::BedroomBelowSafeFloor { .. } => "bedroom_below_safe_floor",
            Warning::MatchingNotProven => "matching_not_proven",
            Warning::PowerNeeded => "power_needed",
            Warning::ThroughLandslideZone => "through_landslide_zone",
            Warning::NoWheelchairTraining => "no_wheelchair_training",
            Warning::DrillFailed { .. } => "drill_failed",
        }
    }

    pub fn sentence(&self, lang: Lang) -> String {
        match (self, lang) {
            (Warning::NoBackup, l) => l.pick("予備の支援者が見つかりません。", "No backup helper could be found.").into(),
            (Warning::LongWalk { length_m, limit_m }, Lang::Ja) => format!("徒歩での避難距離が{length_m:.0} mあり、目安の{limit_m:.0} mを超えます。"),
            (Warning::LongWalk { length_m, limit_m }, Lang::En) => format!("The walk is {length_m:.0} m, over the recommended {limit_m:.0} m."),
            (Warning::StaleContact { days, last: Some(d) }, Lang::Ja) => format!("直近{days}日間に見守りの記録がありません（最終 {d}）。計画内容を確認してください。"),
            (Warning::StaleContact { days, last: Some(d) }, Lang::En) => format!("No watch contact in the last {} (last {d}); check the plan is still right.", count_noun(*days as usize, "day", "days")),
            (Warning::StaleContact { days, last: None }, Lang::Ja) => format!("直近{days}日間に見守りの記録がありません（記録なし）。"),
            (Warning::StaleContact { days, last: None }, Lang::En) => format!("No watch contact in the last {} (none on record).", count_noun(*days as usize, "day", "days")),
            (Warning::HelperOverAge { helper, age }, Lang::Ja) => format!("支援者 {helper} は{age}歳です（年齢上限を超えるため最終手段として選定）。"),
            (Warning::HelperOverAge { helper, age }, Lang::En) => format!("Helper {helper} is {age} (over the age limit; chosen as a last resort)."),
            (Warning::WelfareFallback, l) => l.pick("直接避難できる福祉避難所に到達できないため、一般の避難所とし、移送を調整します。", "No welfare shelter taking direct evacuation is in reach: a general shelter, with a transfer to arrange.").into(),
            (Warning::BackupBusy { helper, helps }, Lang::Ja) => format!("予備の支援者 {helper} は既に{}人を支援しており手いっぱいです（{}）。ほかに予備になれる人がいません。", helps.len(), helps.join("、")),
            (Warning::BackupBusy { helper, helps }, Lang::En) => format!("The backup {helper} already escorts as many people as they can ({}); nobody else could back this person up.", helps.join(", ")),
            (Warning::PinNotFollowed { kind, id, reason }, Lang::Ja) => format!("手動で指定された{} {id} に従えませんでした。{}", kind.label(Lang::Ja), reason.ja),
            (Warning::PinNotFollowed { kind, id, reason }, Lang::En) => format!("The hand-set {} {id} could not be followed: it {}", kind.label(Lang::En), reason.en),
            (Warning::UnknownCapacity, l) => l.pick("避難先の収容人数が不明です。", "The destination's capacity is unknown.").into(),
            (Warning::BedroomBelowSafeFloor { bedroom_floor, safe_floor }, Lang::Ja) => format!("寝室が{bedroom_floor}階にあり、安全な{safe_floor}階以上への移動に介助が必要です。"),
            (Warning::BedroomBelowSafeFloor { bedroom_floor, safe_floor }, Lang::En) => format!("The bedroom is on floor {bedroom_floor}; moving up to floor {safe_floor} or above needs help."),
            (Warning::MatchingNotProven, l) => l.pick("支援者の組合せは探索上限に達したため、最適とは限りません。", "The helper matching hit its search budget and may not be optimal.").into(),
            (Warning::NoWheelchairTraining, l) => l.pick("支援者に車いす介助の研修を受けた人がいません。研修の受講か、事前の練習をお願いします。", "None of the named helpers is trained to push a wheelchair: arrange training or a practice run.").into(),
            (Warning::ThroughLandslideZone, l) => l.pick("他に道がないため、経路が土砂災害警戒区域を通ります。警報後できるだけ早く通過してください。", "The route passes through a landslide zone because no other way exists: get through it as early as possible after the alert.").into(),
            (Warning::DrillFailed { missing_helpers, late_by_min, problems }, lang) => drill_failed_sentence(missing_helpers, *late_by_min, problems, lang),
            (Warning::PowerNeeded, l) => l.pick("電源を要する医療機器を使用しています。避難先の電源を確認してください。", "Uses powered medical equipment: check power at the destination.").into(),
        }
    }
}

fn drill_failed_sentence(
    missing: &[String],
    late_by_min: Option<f64>,
    problems: &[String],
    lang: Lang,
) -> String {
    let mut parts = Vec::new();
    let labels: Vec<&str> = problems
        .iter()
        .map(|c| {
            crate::model::DrillProblem::parse(c)
                .unwrap_or(crate::model::DrillProblem::Other)
                .label(lang)
        })
        .collect();
    match lang {
        Lang::Ja => {
            parts.push("訓練で計画どおりにいきませんでした。".to_owned());
            if !missing.is_empty() {
                parts.push(format!("支援者 {} が来ませんでした。", missing.join("、")));
            }
            if let Some(m) = late_by_min {
                parts.push(format!("到着が余裕時間を{m:.0}分超えました。"));
            }
            if !labels.is_empty() {
                parts.push(format!("問題: {}。", labels.join("、")));
            }
            parts.push("計画を見直してください。".to_owned());
            parts.concat()
        }
        Lang::En => {
            parts.push("In a drill the plan did not work.".to_owned());
            if !missing.is_empty() {
                let who = if missing.len() == 1 {
                    "Helper"
                } else {
                    "Helpers"
                };
                parts.push(format!("{who} {} did not come.", missing.join(", ")));
            }
            if let Some(m) = late_by_min {
                parts.push(format!("Arrival was {m:.0} min beyond the slack."));
            }
            if !labels.is_empty() {
                parts.push(format!("Problems: {}.", labels.join(", ")));
            }
            parts.push("Review the plan.".to_owned());
            parts.join(" ")
        }
    }
}

/// A helper named in a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanHelper {
    /// Volunteer id in `volunteers.csv`.
    pub id: String,
    /// `primary` or `backup`.
    pub role: HelperRole,
    pub name: String,
    pub phone: String,
    /// Home address (災害対策基本法 49条の14 ③ names it among the helper's details); empty
    /// when the roster has none.
    #[serde(default)]
    pub address: String,
    pub age: i32,
    pub home: LonLat,
    /// Travel time from the helper's home to the person, seconds.
    pub travel_secs: f64,
    /// The helper's route to the person (lon/lat).
    pub route: Vec<LonLat>,
    /// The helper already watches this person (watch records in the last year).
    pub watches_person: bool,
    /// Primary helpers: this person's place in the helper's round (1 = first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u8>,
    /// Primary helpers: when the helper reaches the person, seconds after the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrive_secs: Option<f64>,
    /// Primary helpers: when the person is safe (at the destination, or upstairs), seconds
    /// after the alert, in this helper's round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_secs: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperRole {
    Primary,
    Backup,
}

/// The destination of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    /// Shelter id in `shelters.geojson`.
    pub id: String,
    pub name: String,
    pub address: String,
    /// Shelter kind code (`evacuation_site`, `shelter`, `welfare_shelter`).
    pub kind: String,
    pub location: LonLat,
}

/// One person's individual evacuation plan (個別避難計画).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Person id in `people.csv`.
    pub person: String,
    pub district: String,
    pub district_name: String,
    // Register fields (名簿情報).
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub age: i32,
    /// Sex code.
    pub sex: String,
    pub address: String,
    pub phone: String,
    pub home: LonLat,
    pub support_reasons: Vec<SupportReason>,
    // How to assist.
    pub mobility: Mobility,
    pub helpers_needed: u8,
    pub needs: Vec<Need>,
    pub floors: u8,
    pub bedroom_floor: u8,
    /// Structure code.
    pub structure: String,
    /// Household code.
    pub household: String,
    pub contacts: Vec<Contact>,
    pub daytime_place: String,
    pub notes: String,
    /// Family doctor (かかりつけ医), roster column `family_doctor`; empty: unknown.
    #[serde(default)]
    pub family_doctor: String,
    /// Care manager or 相談支援専門員, roster column `care_manager`; empty: unknown.
    #[serde(default)]
    pub care_manager: String,
    /// The district's welfare commissioner (民生委員), `districts.geojson` `commissioner`.
    #[serde(default)]
    pub commissioner: String,
    // The plan.
    /// The person's main watcher (most watch contacts in the last 12 months), if any: the
    /// helper the matching prefers.
    pub main_watcher: Option<String>,
    /// A household member living with the person is the first helper (roster `family_helper`,
    /// at home at the scenario's time); `helpers` then holds the neighbours for the rest.
    #[serde(default)]
    pub family_helper: bool,
    /// Primary helper(s) first, then the backup.
    pub helpers: Vec<PlanHelper>,
    pub destination: Option<Destination>,
    /// The evacuation route from home to the destination (lon/lat); empty when staying.
    pub route: Vec<LonLat>,
    pub route_length_m: f64,
    /// Time from leaving home to arrival, seconds, at the person's pace in the scenario.
    pub evacuation_secs: f64,
    pub method: Method,
    /// Preparation time at home before leaving, seconds.
    pub preparation_secs: f64,
    /// When to start (always alert level 3, 高齢者等避難).
    pub start_when: LocalText,
    /// What the person must do in this scenario, and why.
    pub evacuation_need: EvacuationNeed,
    pub need_reason: LocalText,
    /// The person needs a helper now (to leave, or to get upstairs): only these count as
    /// covered or uncovered.
    pub needs_help: bool,
    /// Minutes after the alert that water reaches the home (flood scenarios), if it does.
    pub water_arrives_min: Option<f64>,
    /// Latest safe departure from home, minutes after the alert: leaving later, some segment
    /// of the route is closed by water (with the safety margin) or the destination is reached
    /// after the deadline. For staying upstairs: the latest time to be up there.
    pub leave_by_min: Option<f64>,
    /// Planned departure (helpers warned, arrived, person ready), minutes after the alert.
    pub departure_min: Option<f64>,
    /// `leave_by_min - departure_min`: time to spare.
    pub slack_min: Option<f64>,
    /// The alert's clock time (`HH:MM`) if the scenario gives one, for clock times on sheets.
    pub alert_at: Option<String>,
    /// How the warning reaches the person.
    pub warning_delivery: Vec<LocalText>,
    /// Things to take.
    pub things_to_take: Vec<LocalText>,
    /// Consent to drafting (always true for a plan) and to sharing in normal times.
    pub consent_plan: bool,
    pub consent_share: bool,
    /// Who the plan may be shared with in normal times.
    pub shared_with: Vec<LocalText>,
    pub priority: Priority,
    /// The person has every helper they need.
    pub covered: bool,
    /// Empty when covered.
    pub reasons: Vec<Reason>,
    pub warnings: Vec<Warning>,
    /// Date drafted (`as_of` of the run), ISO 8601.
    pub drafted: String,
    /// Date last updated, ISO 8601: the run's as-of date, or the store's last status change
    /// where known; empty: unknown (the sheet leaves a line).
    #[serde(default)]
    pub updated: String,
    /// Next review date, ISO 8601 (`ReviewPolicy`: the update date plus the review period);
    /// empty: none set.
    #[serde(default)]
    pub next_review: String,
    /// Scenario the plan was drafted for.
    pub scenario: String,
    /// The scenario's English name (`name_en`), when its file gives one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scenario_en: String,
    pub hazard: HazardType,
}

impl Plan {
    pub fn primary_helpers(&self) -> impl Iterator<Item = &PlanHelper> {
        self.helpers
            .iter()
            .filter(|h| h.role == HelperRole::Primary)
    }
    pub fn backup_helper(&self) -> Option<&PlanHelper> {
        self.helpers.iter().find(|h| h.role == HelperRole::Backup)
    }
    /// Whether `other` (the same person under another hazard, say) is helped by the same
    /// people: the household member or not, and the same primary helpers in any order.
    pub fn same_helpers(&self, other: &Plan) -> bool {
        fn ids(p: &Plan) -> (bool, Vec<&str>) {
            let mut v: Vec<&str> = p.primary_helpers().map(|h| h.id.as_str()).collect();
            v.sort_unstable();
            (p.family_helper, v)
        }
        ids(self) == ids(other)
    }
}

/// A person without a plan or without the helpers they need, for `uncovered.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Uncovered {
    pub person: String,
    pub district: String,
    pub priority: Band,
    pub reasons: Vec<Reason>,
}

/// Counts for one district (or the whole map).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub people: usize,
    pub consented: usize,
    pub planned: usize,
    pub covered: usize,
    pub with_backup: usize,
    pub stay_upstairs: usize,
    /// People per evacuation need (`leave`, `upstairs`, `stay_home`, `facility`).
    pub by_need: BTreeMap<String, usize>,
    /// People who need a helper now (to leave, or to get upstairs); `covered` and `uncovered`
    /// count among these.
    pub need_help: usize,
    pub uncovered: usize,
    pub high_priority_uncovered: usize,
    /// People per reason code (a person may have several reasons).
    pub by_reason: BTreeMap<String, usize>,
}

/// The run summary (`summary.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    /// The scenario's English name, when its file gives one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scenario_en: String,
    pub as_of: String,
    #[serde(flatten)]
    pub total: Counts,
    pub by_district: BTreeMap<String, Counts>,
    /// True when the helper matching is proven optimal.
    pub matching_optimal: bool,
    /// Covered people who need a neighbour (not family alone) and whose main watcher was an
    /// eligible helper, and of those, how many have the main watcher as a primary helper.
    #[serde(default)]
    pub main_watcher_eligible: usize,
    #[serde(default)]
    pub main_watcher_primary: usize,
    /// Of those not chosen, main watchers whose round is full with other people they are the
    /// main watcher of: they could not have helped. The share the issue asks about is
    /// `main_watcher_primary / (main_watcher_eligible - main_watcher_busy_own)`.
    #[serde(default)]
    pub main_watcher_busy_own: usize,
    /// Helpers with two or more people in their round.
    #[serde(default)]
    pub helpers_with_rounds: usize,
    /// Pairs (person, helper) taken out of the matching because the helper's round could not
    /// be done in time with them.
    #[serde(default)]
    pub round_splits: usize,
    /// Backups who already escort as many people as they can.
    #[serde(default)]
    pub backup_busy: usize,
    /// Pins (`pins.csv`) followed and not followed.
    #[serde(default)]
    pub pins_followed: usize,
    #[serde(default)]
    pub pins_not_followed: usize,
    /// With `plan --previous`: people whose primary helpers or destination changed, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<usize>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changed_by_reason: BTreeMap<String, usize>,
}

/// Why a person's primary helpers or destination changed since the previous run (the keys of
/// `Summary::changed_by_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanChange {
    /// What the person must do changed (leave, upstairs, stay home).
    NeedChanged,
    /// Covered before, not now.
    NoLongerCovered,
    /// Not covered before, covered now.
    NewlyCovered,
    /// An earlier helper can no longer come (consent, time of day, skill, too late).
    HelperCannotCome,
    /// The earlier destination is no longer usable.
    DestinationUnusable,
    /// Still possible, but displaced by a better overall plan.
    Displaced,
}

impl PlanChange {
    pub const ALL: [PlanChange; 6] = [
        PlanChange::NeedChanged,
        PlanChange::NoLongerCovered,
        PlanChange::NewlyCovered,
        PlanChange::HelperCannotCome,
        PlanChange::DestinationUnusable,
        PlanChange::Displaced,
    ];

    /// Stable code, as in `summary.json`.
    pub fn code(self) -> &'static str {
        match self {
            PlanChange::NeedChanged => "need_changed",
            PlanChange::NoLongerCovered => "no_longer_covered",
            PlanChange::NewlyCovered => "newly_covered",
            PlanChange::HelperCannotCome => "helper_cannot_come",
            PlanChange::DestinationUnusable => "destination_unusable",
            PlanChange::Displaced => "displaced",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlanChange::NeedChanged => lang.pick("避難の方針が変化", "what to do changed"),
            PlanChange::NoLongerCovered => {
                lang.pick("支援者が確保できなくなった", "no longer covered")
            }
            PlanChange::NewlyCovered => lang.pick("新たに支援者を確保", "newly covered"),
            PlanChange::HelperCannotCome => {
                lang.pick("前の支援者が来られない", "earlier helper cannot come")
            }
            PlanChange::DestinationUnusable => {
                lang.pick("前の避難先が使えない", "earlier destination unusable")
            }
            PlanChange::Displaced => lang.pick(
                "全体の最適化で入れ替え",
                "swapped for a better overall plan",
            ),
        }
    }

    /// The label of a code in `summary.json`; "other" for a code this version does not know.
    pub fn label_of(code: &str, lang: Lang) -> &'static str {
        PlanChange::ALL
            .iter()
            .find(|c| c.code() == code)
            .map_or(lang.pick("その他", "other"), |c| c.label(lang))
    }
}

/// The choices of an earlier run (`plan --previous DIR`), by person id: kept when still
/// feasible and not much worse.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Previous {
    pub plans: BTreeMap<String, PreviousChoice>,
}

impl Previous {
    /// The choices of an earlier run's plans.
    pub fn from_plans(plans: &[Plan]) -> Self {
        Previous {
            plans: plans
                .iter()
                .map(|p| {
                    let choice = PreviousChoice::new(
                        p.helpers
                            .iter()
                            .map(|h| (h.id.as_str(), h.role, h.travel_secs)),
                        p.destination
                            .as_ref()
                            .map(|d| (d.id.as_str(), p.evacuation_secs)),
                        p.covered,
                        Some(p.evacuation_need),
                    );
                    (p.person.clone(), choice)
                })
                .collect(),
        }
    }
}

impl PreviousChoice {
    /// From a plan's helpers (id, role, travel seconds) and destination (id, trip seconds).
    pub fn new<'a>(
        helpers: impl IntoIterator<Item = (&'a str, HelperRole, f64)>,
        destination: Option<(&str, f64)>,
        covered: bool,
        need: Option<EvacuationNeed>,
    ) -> Self {
        let mut c = PreviousChoice {
            destination: destination.map(|(d, secs)| (d.to_owned(), secs)),
            covered,
            need,
            ..PreviousChoice::default()
        };
        for (id, role, secs) in helpers {
            match role {
                HelperRole::Primary => c.primaries.push((id.to_owned(), secs)),
                HelperRole::Backup => c.backup = c.backup.or(Some((id.to_owned(), secs))),
            }
        }
        c
    }
}

/// One person's earlier choices, each with its travel (helpers) or trip (destination) seconds
/// then: a choice stays while it is not more than `helpers.keep_tolerance_min` slower.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreviousChoice {
    pub primaries: Vec<(String, f64)>,
    pub backup: Option<(String, f64)>,
    pub destination: Option<(String, f64)>,
    pub covered: bool,
    pub need: Option<EvacuationNeed>,
}
