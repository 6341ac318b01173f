//! Closed vocabularies of the model. Each value has a stable English code (used in files and
//! JSON), Japanese aliases accepted on input, and Japanese and English labels for display.

use serde::{Deserialize, Serialize};

/// Defines a fieldless enum with `code`, `parse`, `label_ja`, `label_en` and `ALL`.
/// `parse` accepts the code, the Japanese label and any extra alias, case-insensitively.
macro_rules! vocab {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $code:literal, $ja:literal, $en:literal $(, [$($alias:literal),*])?;)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $var,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var,)+];
            /// Stable code used in files.
            pub fn code(self) -> &'static str { match self { $($name::$var => $code,)+ } }
            pub fn label_ja(self) -> &'static str { match self { $($name::$var => $ja,)+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$var => $en,)+ } }
            pub fn label(self, lang: crate::model::Lang) -> &'static str {
                match lang { crate::model::Lang::Ja => self.label_ja(), crate::model::Lang::En => self.label_en() }
            }
            /// Parses a code, Japanese label or alias (ASCII case-insensitive, trimmed).
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(
                    if s.eq_ignore_ascii_case($code) || s == $ja $($(|| s.eq_ignore_ascii_case($alias))*)? {
                        return Some($name::$var);
                    }
                )+
                None
            }
            /// The accepted codes, for error messages.
            pub fn expected() -> String {
                [$($code),+].join(", ")
            }
        }
    };
}

/// Output language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    /// Picks the Japanese or English text.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

vocab!(
    /// Sex as recorded in the register.
    Sex {
        Female = "female", "女", "female", ["f", "女性"];
        Male = "male", "男", "male", ["m", "男性"];
        Other = "other", "その他", "other";
        Unknown = "unknown", "不明", "unknown", [""];
    }
);

vocab!(
    /// How a person moves. Drives the routing profile, the helpers needed and the skills required.
    Mobility {
        /// Walks alone, but needs someone to tell them and go with them.
        WalksAlone = "walks_alone", "自力歩行可", "walks alone", ["walk"];
        /// Walks slowly, with a helper's arm (0.5 m/s).
        WalksWithHelp = "walks_with_help", "介助歩行", "walks with help", ["slow"];
        /// Wheelchair user.
        Wheelchair = "wheelchair", "車いす", "wheelchair", ["車椅子"];
        /// Bedridden: a stretcher carried by two, or a car.
        Bedridden = "bedridden", "寝たきり", "bedridden", ["寝たきり（担架・車両）"];
    }
);

vocab!(
    /// What went wrong for one person in a real drill (the `problems` column of a drill
    /// results file, `mimamori drill record`).
    DrillProblem {
        /// The helper could not be reached by phone.
        HelperNoAnswer = "helper_no_answer", "支援者に連絡がつかない", "helper did not answer";
        /// The helper answered but could not come.
        HelperAbsent = "helper_absent", "支援者が来られない", "helper could not come";
        /// The helper came, but later than planned.
        HelperLate = "helper_late", "支援者の到着が遅れた", "helper came late";
        /// The planned way was blocked (a detour or no way).
        RouteBlocked = "route_blocked", "経路が通れない", "route blocked";
        /// The person would not leave.
        PersonRefused = "person_refused", "本人が避難を拒否", "person refused to leave";
        /// The person was not at home.
        PersonNotHome = "person_not_home", "本人が不在", "person not at home";
        /// A wheelchair, stretcher, medication or other equipment was missing.
        EquipmentMissing = "equipment_missing", "用具が足りない", "equipment missing";
        /// Preparation or the walk took longer than planned.
        TookLonger = "took_longer", "準備・移動に時間がかかった", "took longer than planned";
        /// The destination was closed, full or wrong.
        DestinationProblem = "destination_problem", "避難先の問題", "problem at the destination";
        /// Anything else (say what in `note`).
        Other = "other", "その他", "other";
    }
);

impl Mobility {
    /// Helpers needed unless the roster says otherwise.
    pub fn default_helpers_needed(self) -> u8 {
        match self {
            Mobility::Bedridden => 2,
            _ => 1,
        }
    }
}

vocab!(
    /// A need that shapes how the person is assisted.
    Need {
        PoweredDevice = "powered_device", "電源を要する医療機器", "powered medical device", ["ventilator", "人工呼吸器"];
        Oxygen = "oxygen", "在宅酸素", "home oxygen";
        Dialysis = "dialysis", "人工透析", "dialysis";
        Hearing = "hearing", "聴覚", "hearing impairment", ["聴覚障害"];
        Sight = "sight", "視覚", "visual impairment", ["視覚障害"];
        Cognition = "cognition", "認知", "cognitive impairment", ["認知機能"];
        Language = "language", "言語", "language support (foreign language)", ["外国語"];
    }
);

vocab!(
    /// The structure of the home.
    Structure {
        Wood = "wood", "木造", "wooden";
        Steel = "steel", "鉄骨造", "steel frame", ["s"];
        Concrete = "concrete", "鉄筋コンクリート造", "reinforced concrete", ["rc"];
    }
);

vocab!(
    /// Who the person lives with.
    Household {
        Alone = "alone", "独居", "living alone", ["一人暮らし"];
        ElderlyCouple = "elderly_couple", "高齢者夫婦", "elderly couple", ["高齢者のみ世帯"];
        WithFamily = "with_family", "家族と同居", "with family", ["同居"];
        Facility = "facility", "施設入所", "in a facility";
    }
);

vocab!(
    /// A volunteer's role in the watch-over programme.
    Role {
        Helper = "helper", "担い手", "helper", ["避難支援等実施者"];
        Caretaker = "caretaker", "世話係", "caretaker";
        Coordinator = "coordinator", "地域コーディネーター", "community coordinator";
        Commissioner = "commissioner", "民生委員", "welfare commissioner", ["民生委員児童委員"];
    }
);

vocab!(
    /// A volunteer's skill that some people need.
    Skill {
        Car = "car", "車両", "has a car", ["自動車"];
        Wheelchair = "wheelchair", "車いす介助", "wheelchair-trained";
        Stretcher = "stretcher", "担架搬送", "can carry a stretcher";
        Nursing = "nursing", "看護・介護", "nursing";
    }
);

vocab!(
    /// Kind of designated place.
    ShelterKind {
        /// 指定緊急避難場所: flee-to place, designated per hazard type.
        EvacuationSite = "evacuation_site", "指定緊急避難場所", "evacuation site", ["site"];
        /// 指定避難所: stay place, mostly schools.
        Shelter = "shelter", "指定避難所", "shelter";
        /// 福祉避難所: for people who cannot stay in a general shelter.
        WelfareShelter = "welfare_shelter", "福祉避難所", "welfare shelter", ["welfare"];
    }
);

vocab!(
    /// Whether a welfare shelter takes people directly or only by transfer from another shelter.
    WelfareAccess {
        Direct = "direct", "直接避難可", "direct evacuation";
        TransferOnly = "transfer_only", "移送のみ", "transfer only";
    }
);

vocab!(
    /// The eight hazard types of the GSI evacuation-site data, in the GSI column order.
    HazardType {
        Flood = "flood", "洪水", "flood";
        Landslide = "landslide", "崖崩れ、土石流及び地滑り", "landslide and debris flow", ["崖崩れ"];
        StormSurge = "storm_surge", "高潮", "storm surge";
        Earthquake = "earthquake", "地震", "earthquake";
        Tsunami = "tsunami", "津波", "tsunami";
        LargeFire = "large_fire", "大規模な火事", "large-scale fire";
        InlandFlood = "inland_flood", "内水氾濫", "inland flooding";
        Volcano = "volcano", "火山現象", "volcanic phenomena";
    }
);

impl HazardType {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`HazardType`]s, stored as a bit set and serialised as a sorted list of codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HazardSet(u8);

impl HazardSet {
    pub fn contains(self, h: HazardType) -> bool {
        self.0 & h.bit() != 0
    }
    pub fn insert(&mut self, h: HazardType) {
        self.0 |= h.bit();
    }
    pub fn iter(self) -> impl Iterator<Item = HazardType> {
        HazardType::ALL
            .iter()
            .copied()
            .filter(move |h| self.contains(*h))
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<HazardType> for HazardSet {
    fn from_iter<I: IntoIterator<Item = HazardType>>(iter: I) -> Self {
        let mut s = HazardSet::default();
        for h in iter {
            s.insert(h);
        }
        s
    }
}

impl Serialize for HazardSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for HazardSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v: Vec<HazardType> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

vocab!(
    /// Kind of hazard zone.
    HazardKind {
        /// 洪水浸水想定区域 (river flood), with a depth rank.
        RiverFlood = "river_flood", "洪水浸水想定区域", "river flood zone", ["flood"];
        /// 内水浸水想定区域 (inland / pluvial flood), with a depth rank.
        InlandFlood = "inland_flood", "内水浸水想定区域", "inland flood zone";
        /// 土砂災害警戒区域 (landslide / debris flow).
        Landslide = "landslide", "土砂災害警戒区域", "landslide zone";
        /// 家屋倒壊等氾濫想定区域: houses may be swept away; staying upstairs is not safe.
        HouseCollapse = "house_collapse", "家屋倒壊等氾濫想定区域", "house-collapse zone";
        /// 津波浸水想定区域.
        Tsunami = "tsunami", "津波浸水想定区域", "tsunami inundation zone";
        /// 高潮浸水想定区域.
        StormSurge = "storm_surge", "高潮浸水想定区域", "storm-surge zone";
    }
);

impl HazardKind {
    /// The GSI hazard type whose scenario activates this zone.
    pub fn hazard_type(self) -> HazardType {
        match self {
            HazardKind::RiverFlood | HazardKind::HouseCollapse => HazardType::Flood,
            HazardKind::InlandFlood => HazardType::InlandFlood,
            HazardKind::Landslide => HazardType::Landslide,
            HazardKind::Tsunami => HazardType::Tsunami,
            HazardKind::StormSurge => HazardType::StormSurge,
        }
    }

    /// Water that arrives and recedes (every kind but landslide): a zone of this kind has an
    /// arrival time and a duration.
    pub fn floods(self) -> bool {
        self != HazardKind::Landslide
    }
}

/// Flood depth rank as in 国土数値情報 A31a (`A31a_205`), 1 to 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DepthRank(u8);

impl DepthRank {
    /// Upper and lower bounds in metres of each rank: <0.5, 0.5-3, 3-5, 5-10, 10-20, >=20.
    const BOUNDS_M: [(f64, f64); 6] = [
        (0.0, 0.5),
        (0.5, 3.0),
        (3.0, 5.0),
        (5.0, 10.0),
        (10.0, 20.0),
        (20.0, f64::INFINITY),
    ];

    pub fn new(rank: u8) -> Option<Self> {
        (1..=6).contains(&rank).then_some(Self(rank))
    }
    pub fn get(self) -> u8 {
        self.0
    }
    /// Smallest depth of the band in metres.
    pub fn min_m(self) -> f64 {
        Self::BOUNDS_M[self.0 as usize - 1].0
    }
    /// Largest depth of the band in metres (infinite for rank 6).
    pub fn max_m(self) -> f64 {
        Self::BOUNDS_M[self.0 as usize - 1].1
    }
    /// The band for a depth in metres.
    pub fn from_depth_m(depth_m: f64) -> Self {
        let i = Self::BOUNDS_M
            .iter()
            .position(|(lo, hi)| depth_m >= *lo && depth_m < *hi)
            .unwrap_or(0);
        Self(i as u8 + 1)
    }
    pub fn label(self) -> &'static str {
        ["<0.5 m", "0.5–3 m", "3–5 m", "5–10 m", "10–20 m", "≥20 m"][self.0 as usize - 1]
    }
}

vocab!(
    /// Road class, from OSM `highway` (other values map to the nearest class on import).
    /// `motorway` is any road closed to people on foot (高速道路・自動車専用道路): OSM
    /// motorways, and on import any drivable road tagged `foot=no` or a trunk road without
    /// a pavement. A `trunk` (national route, 国道) is a primary road: walkable, since in Japan
    /// national routes have pavements.
    RoadClass {
        Motorway = "motorway", "高速道路", "motorway";
        Primary = "primary", "幹線道路", "primary road", ["trunk"];
        Secondary = "secondary", "補助幹線道路", "secondary road", ["tertiary"];
        Residential = "residential", "生活道路", "residential road", ["unclassified", "living_street"];
        Service = "service", "私道・構内道路", "service road", ["track"];
        Footway = "footway", "歩道", "footway", ["path", "pedestrian", "cycleway", "corridor"];
        Steps = "steps", "階段", "steps";
    }
);

impl RoadClass {
    /// Cars may use this class.
    pub fn drivable(self) -> bool {
        !matches!(self, RoadClass::Footway | RoadClass::Steps)
    }
    /// People on foot may use this class: every class but `motorway` (roads closed to people
    /// on foot).
    pub fn walkable(self) -> bool {
        !matches!(self, RoadClass::Motorway)
    }
}

vocab!(
    /// Oneway restriction for cars, relative to the line's coordinate order.
    Oneway {
        No = "no", "双方向", "two-way", ["", "false", "0"];
        Forward = "yes", "一方通行", "one-way", ["true", "1", "forward"];
        Backward = "-1", "逆方向一方通行", "one-way reverse", ["reverse", "backward"];
    }
);

vocab!(
    /// How a watch activity was done.
    WatchMethod {
        Visit = "visit", "訪問", "visit";
        Phone = "phone", "電話", "phone call";
        Observation = "observation", "行動パターン", "observation", ["様子見", "外観"];
    }
);

vocab!(
    /// What the watch activity found.
    WatchOutcome {
        Fine = "fine", "異常なし", "fine";
        Concern = "concern", "困りごとあり", "concern";
        NoAnswer = "no_answer", "不在・応答なし", "no answer";
    }
);

vocab!(
    /// Category of a concern (困りごと).
    Concern {
        Health = "health", "健康", "health";
        DailyLiving = "daily_living", "生活", "daily living";
        Money = "money", "金銭", "money";
        Isolation = "isolation", "孤立", "isolation";
        Dementia = "dementia", "認知症", "dementia";
        Housing = "housing", "住まい", "housing";
        Other = "other", "その他", "other";
    }
);

vocab!(
    /// Professional body a concern was referred to.
    Referral {
        SupportCenter = "support_center", "地域包括支援センター", "community comprehensive support centre";
        Commissioner = "commissioner", "民生委員", "welfare commissioner";
        City = "city", "市役所", "city office";
        Medical = "medical", "医療機関", "medical institution";
        Other = "other", "その他", "other";
    }
);

/// Why a person needs support (避難支援等を必要とする事由). Written in files as codes joined by
/// `;`, e.g. `care:3;alone`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "level")]
pub enum SupportReason {
    /// 要介護 1-5.
    CareLevel(u8),
    /// 要支援 1-2.
    SupportLevel(u8),
    /// 身体障害者手帳 grade 1-6.
    PhysicalDisability(u8),
    /// 療育手帳 (intellectual disability).
    IntellectualDisability,
    /// 精神障害者保健福祉手帳 grade 1-3.
    MentalDisability(u8),
    /// 難病 (designated intractable disease).
    IntractableDisease,
    Dementia,
    LivingAlone,
    ElderlyCouple,
    /// 本人申出: registered at the person's own request.
    SelfApplied,
    Other,
}

impl SupportReason {
    /// Code as written in files.
    pub fn code(self) -> String {
        match self {
            SupportReason::CareLevel(n) => format!("care:{n}"),
            SupportReason::SupportLevel(n) => format!("support:{n}"),
            SupportReason::PhysicalDisability(n) => format!("physical:{n}"),
            SupportReason::IntellectualDisability => "intellectual".into(),
            SupportReason::MentalDisability(n) => format!("mental:{n}"),
            SupportReason::IntractableDisease => "intractable".into(),
            SupportReason::Dementia => "dementia".into(),
            SupportReason::LivingAlone => "alone".into(),
            SupportReason::ElderlyCouple => "elderly_couple".into(),
            SupportReason::SelfApplied => "self_applied".into(),
            SupportReason::Other => "other".into(),
        }
    }

    pub const EXPECTED: &'static str = "care:1-5, support:1-2, physical:1-6, intellectual, mental:1-3, intractable, dementia, alone, elderly_couple, self_applied, other (or 要介護3, 身体障害者手帳1級, 独居, ...)";

    /// Parses one code (English or Japanese, e.g. `care:3`, `要介護3`, `独居`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let graded = |prefixes: &[&str], max: u8| -> Option<u8> {
            for p in prefixes {
                if let Some(rest) = s.strip_prefix(p) {
                    let rest = rest.trim_end_matches(['級', '度']);
                    let n: u8 = crate::model::normalize_digits(rest).parse().ok()?;
                    return (1..=max).contains(&n).then_some(n);
                }
            }
            None
        };
        if let Some(n) = graded(&["care:", "要介護"], 5) {
            return Some(SupportReason::CareLevel(n));
        }
        if let Some(n) = graded(&["support:", "要支援"], 2) {
            return Some(SupportReason::SupportLevel(n));
        }
        if let Some(n) = graded(&["physical:", "身体障害者手帳", "身体"], 6) {
            return Some(SupportReason::PhysicalDisability(n));
        }
        if let Some(n) = graded(&["mental:", "精神障害者保健福祉手帳", "精神"], 3) {
            return Some(SupportReason::MentalDisability(n));
        }
        Some(match s {
            "intellectual" | "療育手帳" | "知的障害" => {
                SupportReason::IntellectualDisability
            }
            "intractable" | "難病" => SupportReason::IntractableDisease,
            "dementia" | "認知症" => SupportReason::Dementia,
            "alone" | "独居" | "ひとり暮らし" => SupportReason::LivingAlone,
            "elderly_couple" | "高齢者夫婦" | "高齢者のみ世帯" => {
                SupportReason::ElderlyCouple
            }
            "self_applied" | "本人申出" => SupportReason::SelfApplied,
            "other" | "その他" => SupportReason::Other,
            _ => return None,
        })
    }

    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (SupportReason::CareLevel(n), Lang::Ja) => format!("要介護{n}"),
            (SupportReason::CareLevel(n), Lang::En) => format!("care level {n}"),
            (SupportReason::SupportLevel(n), Lang::Ja) => format!("要支援{n}"),
            (SupportReason::SupportLevel(n), Lang::En) => format!("support level {n}"),
            (SupportReason::PhysicalDisability(n), Lang::Ja) => format!("身体障害者手帳{n}級"),
            (SupportReason::PhysicalDisability(n), Lang::En) => {
                format!("physical disability grade {n}")
            }
            (SupportReason::MentalDisability(n), Lang::Ja) => {
                format!("精神障害者保健福祉手帳{n}級")
            }
            (SupportReason::MentalDisability(n), Lang::En) => {
                format!("mental disability grade {n}")
            }
            (SupportReason::IntellectualDisability, l) => {
                l.pick("療育手帳", "intellectual disability").into()
            }
            (SupportReason::IntractableDisease, l) => l.pick("難病", "intractable disease").into(),
            (SupportReason::Dementia, l) => l.pick("認知症", "dementia").into(),
            (SupportReason::LivingAlone, l) => l.pick("独居", "living alone").into(),
            (SupportReason::ElderlyCouple, l) => l.pick("高齢者夫婦世帯", "elderly couple").into(),
            (SupportReason::SelfApplied, l) => l.pick("本人申出", "self-applied").into(),
            (SupportReason::Other, l) => l.pick("その他", "other").into(),
        }
    }
}

/// Replaces full-width digits (０-９) with ASCII digits; real Japanese files mix both.
pub fn normalize_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocab_code_and_japanese_label_parse_back() {
        for m in Mobility::ALL {
            assert_eq!(Mobility::parse(m.code()), Some(*m));
            assert_eq!(Mobility::parse(m.label_ja()), Some(*m));
        }
        for h in HazardType::ALL {
            assert_eq!(HazardType::parse(h.code()), Some(*h));
            assert_eq!(HazardType::parse(h.label_ja()), Some(*h));
        }
        assert_eq!(Role::parse("HELPER"), Some(Role::Helper));
        assert_eq!(Role::parse("nobody"), None);
    }

    #[test]
    fn support_reasons_parse_in_both_languages_and_reject_out_of_range_grades() {
        assert_eq!(
            SupportReason::parse("care:3"),
            Some(SupportReason::CareLevel(3))
        );
        assert_eq!(
            SupportReason::parse("要介護４"),
            Some(SupportReason::CareLevel(4))
        );
        assert_eq!(
            SupportReason::parse("身体障害者手帳1級"),
            Some(SupportReason::PhysicalDisability(1))
        );
        assert_eq!(SupportReason::parse("care:6"), None);
        assert_eq!(
            SupportReason::parse("独居"),
            Some(SupportReason::LivingAlone)
        );
        for r in [
            SupportReason::CareLevel(2),
            SupportReason::MentalDisability(3),
            SupportReason::ElderlyCouple,
        ] {
            assert_eq!(SupportReason::parse(&r.code()), Some(r));
        }
    }

    #[test]
    fn hazard_set_round_trips_through_json() {
        let s: HazardSet = [HazardType::Flood, HazardType::Earthquake]
            .into_iter()
            .collect();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["flood","earthquake"]"#);
        let back: HazardSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert!(!back.contains(HazardType::Tsunami));
    }

    #[test]
    fn depth_rank_bands_match_a31a() {
        assert_eq!(DepthRank::from_depth_m(0.2).get(), 1);
        assert_eq!(DepthRank::from_depth_m(0.5).get(), 2);
        assert_eq!(DepthRank::from_depth_m(4.0).get(), 3);
        assert_eq!(DepthRank::from_depth_m(25.0).get(), 6);
        assert!(DepthRank::new(0).is_none() && DepthRank::new(7).is_none());
        assert_eq!(DepthRank::new(2).unwrap().max_m(), 3.0);
    }
}
