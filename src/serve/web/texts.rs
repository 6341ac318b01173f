//! The web app's own words, Japanese and English, in one table per language (the same shape
//! as `render::labels`): templates hold no text a translator must hunt for. Status, reason and
//! method labels come from their types (`PlanStatus`, `Reason`, `Method`), not from here.

use crate::model::Lang;
use crate::plan::Reason;

/// Every fixed text of the web pages.
pub struct Texts {
    pub lang_attr: &'static str,
    pub app: &'static str,
    pub personal_notice: &'static str,
    pub switch_label: &'static str,
    pub switch_code: &'static str,
    pub skip: &'static str,
    pub signin: &'static str,
    pub signin_help: &'static str,
    pub token: &'static str,
    pub bad_token: &'static str,
    pub signout: &'static str,
    pub signed_in_as: &'static str,
    pub home: &'static str,
    pub districts: &'static str,
    pub district: &'static str,
    pub people: &'static str,
    pub dashboard: &'static str,
    pub uncovered_list: &'static str,
    pub map: &'static str,
    pub status: &'static str,
    pub count: &'static str,
    pub by_status: &'static str,
    pub coverage: &'static str,
    pub covered: &'static str,
    pub uncovered: &'static str,
    pub by_reason: &'static str,
    pub reviews_due: &'static str,
    pub review_due: &'static str,
    pub none: &'static str,
    pub high_first: &'static str,
    pub person_id: &'static str,
    pub priority: &'static str,
    pub reasons: &'static str,
    pub explanation: &'static str,
    pub fix: &'static str,
    pub open_plan: &'static str,
    pub name: &'static str,
    pub plan: &'static str,
    pub helpers: &'static str,
    pub role: &'static str,
    pub travel: &'static str,
    pub primary: &'static str,
    pub backup: &'static str,
    pub destination: &'static str,
    pub method: &'static str,
    pub pin_helper: &'static str,
    pub pin_destination: &'static str,
    pub pin_help: &'static str,
    pub no_candidates: &'static str,
    pub current_pin: &'static str,
    pub change_status: &'static str,
    pub new_status: &'static str,
    pub confirmed_on: &'static str,
    pub confirmed_check: &'static str,
    pub status_note: &'static str,
    pub notes: &'static str,
    pub save: &'static str,
    pub print: &'static str,
    pub sheet: &'static str,
    pub saved: &'static str,
    pub error: &'static str,
    pub not_found: &'static str,
    pub not_found_body: &'static str,
    pub forbidden: &'static str,
    pub forbidden_body: &'static str,
    pub back_home: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub mobility: &'static str,
    pub helpers_needed: &'static str,
    pub start_when: &'static str,
    pub my_arrival: &'static str,
    pub warnings: &'static str,
    pub people_total: &'static str,
    pub changed: &'static str,
    pub minutes: &'static str,
    pub chart_title: &'static str,
    pub csrf_failed: &'static str,
    pub confirm_needs_date: &'static str,
    pub map_filter: &'static str,
    pub all: &'static str,
    pub apply: &'static str,
    pub layer_people: &'static str,
    pub layer_uncovered: &'static str,
    pub layer_helpers: &'static str,
    pub layer_shelters: &'static str,
    pub layer_hazards: &'static str,
    pub layer_roads: &'static str,
    pub layer_route: &'static str,
    pub layer_helper_routes: &'static str,
    pub show_routes: &'static str,
    pub routes_of: &'static str,
    pub map_help: &'static str,
    pub drill: &'static str,
    pub compare: &'static str,
    pub seed: &'static str,
    pub runs: &'static str,
    pub run_drill: &'static str,
    pub drill_help: &'static str,
    pub p_safe: &'static str,
    pub median_arrival: &'static str,
    pub main_failure: &'static str,
    pub spof: &'static str,
    pub kind: &'static str,
    pub loss: &'static str,
    pub share_safe: &'static str,
    pub at_stake: &'static str,
}

const JA: Texts = Texts {
    lang_attr: "ja",
    app: "見守り避難計画",
    personal_notice: "個人情報を含みます。業務の目的以外に使わず、印刷物の管理に注意し、席を離れるときはサインアウトしてください。",
    switch_label: "English",
    switch_code: "en",
    skip: "本文へ移動",
    signin: "サインイン",
    signin_help: "`mimamori user add` で発行されたトークンを貼り付けてください。",
    token: "トークン",
    bad_token: "トークンが正しくありません。",
    signout: "サインアウト",
    signed_in_as: "利用者",
    home: "ホーム",
    districts: "地区一覧",
    district: "地区",
    people: "担当の方",
    dashboard: "地区の状況",
    uncovered_list: "支援者が決まっていない方",
    map: "地図",
    status: "状況",
    count: "人数",
    by_status: "計画の状況",
    coverage: "支援者の確保",
    covered: "確保済",
    uncovered: "未確保",
    by_reason: "未確保の理由",
    reviews_due: "見直し期限が近い計画",
    review_due: "見直し期限",
    none: "なし",
    high_first: "優先度の高い未確保の方",
    person_id: "ID",
    priority: "優先度",
    reasons: "理由",
    explanation: "検討した候補（explain と同じ内容）",
    fix: "解決するには",
    open_plan: "計画を開く",
    name: "氏名",
    plan: "個別避難計画",
    helpers: "支援者",
    role: "役割",
    travel: "到着まで",
    primary: "主",
    backup: "予備",
    destination: "避難先",
    method: "移動方法",
    pin_helper: "支援者を指定する",
    pin_destination: "避難先を指定する",
    pin_help: "候補は計画の検討結果から、間に合う方だけを表示しています。指定すると地区の計画を作り直します。",
    no_candidates: "指定できる候補がありません。",
    current_pin: "現在の指定",
    change_status: "状況を変更する",
    new_status: "新しい状況",
    confirmed_on: "確認日",
    confirmed_check: "本人（または家族）と計画の内容を確認した",
    status_note: "メモ",
    notes: "備考",
    save: "保存",
    print: "印刷用の計画書（A4）",
    sheet: "計画書",
    saved: "保存しました。計画を作り直した結果を表示しています。",
    error: "保存できませんでした",
    not_found: "見つかりません",
    not_found_body: "お探しのページは見つかりません。IDを確認してください。",
    forbidden: "表示できません",
    forbidden_body: "この画面を使う権限がありません。",
    back_home: "ホームへ戻る",
    address: "住所",
    phone: "電話",
    mobility: "移動の状態",
    helpers_needed: "必要な支援者数",
    start_when: "避難を始める時",
    my_arrival: "あなたの到着予定",
    warnings: "注意",
    people_total: "対象者",
    changed: "変更",
    minutes: "分",
    chart_title: "計画の状況（人数）",
    csrf_failed: "フォームの有効期限が切れています。もう一度お試しください。",
    confirm_needs_date: "本人確認済にするには、確認日と確認のチェックが必要です。",
    map_filter: "未確保の理由で絞り込む",
    all: "すべて",
    apply: "表示",
    layer_people: "対象者（色は状況）",
    layer_uncovered: "赤い縁: 支援者未確保",
    layer_helpers: "支援者",
    layer_shelters: "避難先",
    layer_hazards: "浸水・土砂災害の区域",
    layer_roads: "道路",
    layer_route: "避難経路",
    layer_helper_routes: "支援者が駆けつける経路",
    show_routes: "地図で経路を見る",
    routes_of: "経路を表示中",
    map_help: "丸印をクリックすると、その方の計画を開きます。下の一覧からも開けます。",
    drill: "訓練シミュレーション",
    compare: "地区の比較",
    seed: "シード（乱数の種）",
    runs: "回数",
    run_drill: "実行",
    drill_help: "同じシードなら同じ結果になります。p_safe は安全に避難できた回の割合です。",
    p_safe: "p_safe（安全に避難できた割合）",
    median_arrival: "到着（中央値、警報から）",
    main_failure: "主な失敗",
    spof: "単一障害点（これが欠けると安全性が下がる）",
    kind: "種類",
    loss: "安全な人数の減少（期待値）",
    share_safe: "安全に避難できる割合（要避難者）",
    at_stake: "要避難者",
};

const EN: Texts = Texts {
    lang_attr: "en",
    app: "mimamori evacuation plans",
    personal_notice: "Personal information. Use it only for this work, keep printouts safe, and sign out when you leave the desk.",
    switch_label: "日本語",
    switch_code: "ja",
    skip: "Skip to content",
    signin: "Sign in",
    signin_help: "Paste the token printed by `mimamori user add`.",
    token: "Token",
    bad_token: "The token is not valid.",
    signout: "Sign out",
    signed_in_as: "User",
    home: "Home",
    districts: "Districts",
    district: "District",
    people: "Your people",
    dashboard: "District overview",
    uncovered_list: "People without helpers",
    map: "Map",
    status: "Status",
    count: "People",
    by_status: "Plans by status",
    coverage: "Helpers",
    covered: "covered",
    uncovered: "uncovered",
    by_reason: "Uncovered by reason",
    reviews_due: "Reviews due soon",
    review_due: "Review due",
    none: "none",
    high_first: "High-priority people without helpers",
    person_id: "ID",
    priority: "Priority",
    reasons: "Reasons",
    explanation: "Candidates considered (as `explain`)",
    fix: "What would fix it",
    open_plan: "Open the plan",
    name: "Name",
    plan: "Individual evacuation plan",
    helpers: "Helpers",
    role: "Role",
    travel: "Travel",
    primary: "primary",
    backup: "backup",
    destination: "Destination",
    method: "Means",
    pin_helper: "Pin a helper",
    pin_destination: "Pin a destination",
    pin_help: "Only candidates who can make it are listed. Pinning re-plans the district.",
    no_candidates: "No candidate can be pinned.",
    current_pin: "Current pin",
    change_status: "Change the status",
    new_status: "New status",
    confirmed_on: "Confirmed on",
    confirmed_check: "The plan was confirmed with the person (or family)",
    status_note: "Note",
    notes: "Notes",
    save: "Save",
    print: "Printable plan sheet (A4)",
    sheet: "Plan sheet",
    saved: "Saved. The re-planned result is shown.",
    error: "Not saved",
    not_found: "Not found",
    not_found_body: "This page does not exist. Check the id.",
    forbidden: "Not allowed",
    forbidden_body: "Your role may not use this page.",
    back_home: "Back to home",
    address: "Address",
    phone: "Phone",
    mobility: "Mobility",
    helpers_needed: "Helpers needed",
    start_when: "When to start",
    my_arrival: "Your arrival",
    warnings: "Warnings",
    people_total: "People",
    changed: "Changed",
    minutes: "min",
    chart_title: "Plans by status (people)",
    csrf_failed: "The form has expired. Please try again.",
    confirm_needs_date: "To mark it confirmed, give the date and tick the confirmation.",
    map_filter: "Filter by reason",
    all: "all",
    apply: "Show",
    layer_people: "People (colour: status)",
    layer_uncovered: "Red ring: no helper",
    layer_helpers: "Helpers",
    layer_shelters: "Shelters",
    layer_hazards: "Hazard zones",
    layer_roads: "Roads",
    layer_route: "Evacuation route",
    layer_helper_routes: "Helpers' way to the person",
    show_routes: "Show the routes on the map",
    routes_of: "Routes shown for",
    map_help: "Click a circle to open that person's plan; the list below opens them too.",
    drill: "Drill simulation",
    compare: "District comparison",
    seed: "Seed",
    runs: "Runs",
    run_drill: "Run",
    drill_help: "The same seed gives the same result. p_safe is the share of runs in which the person got to safety.",
    p_safe: "p_safe (share of runs safe)",
    median_arrival: "Arrival (median, after the alert)",
    main_failure: "Main failure",
    spof: "Single points of failure",
    kind: "Kind",
    loss: "Expected people less safe",
    share_safe: "Share safe (people at stake)",
    at_stake: "People at stake",
};

/// The texts of `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Ja => &JA,
        Lang::En => &EN,
    }
}

/// What would cover a person uncovered for `reason`, as one sentence naming the facts of the
/// reason (the limit, the skill, how many more helpers). A first suggestion for the
/// coordinator, not a rule.
pub fn fix_text(reason: &Reason, lang: Lang) -> String {
    let min = |s: f64| (s / 60.0).ceil() as i64;
    match (reason, lang) {
        (Reason::NoConsent, Lang::Ja) => "本人に計画作成への同意をお願いする。".into(),
        (Reason::NoConsent, Lang::En) => "Ask the person to consent to drafting a plan.".into(),
        (Reason::OffNetwork { .. }, Lang::Ja) => {
            "自宅から道路までの経路を地図データに追加する（道路データの確認）。".into()
        }
        (Reason::OffNetwork { .. }, Lang::En) => {
            "Add the path from the home to the road network to the map data.".into()
        }
        (Reason::NoSafeRoute { .. }, Lang::Ja) => {
            "警報より前の早めの避難か、浸水しない階への屋内安全確保を検討する。".into()
        }
        (Reason::NoSafeRoute { .. }, Lang::En) => {
            "Plan an earlier start (before the alert) or moving up to a dry floor.".into()
        }
        (Reason::NoDestination, Lang::Ja) => {
            "歩いて行ける安全な避難先を地図の避難先データに追加する。".into()
        }
        (Reason::NoDestination, Lang::En) => {
            "Add a safe destination in reach to the map's shelters.".into()
        }
        (Reason::DestinationsFull { .. }, Lang::Ja) => {
            "避難先の受入れ人数を増やすか、別の避難先を確保する。".into()
        }
        (Reason::DestinationsFull { .. }, Lang::En) => {
            "Raise a destination's capacity or secure another destination.".into()
        }
        (Reason::TooSlow { .. }, Lang::Ja) => "車での移動か、より近い避難先を検討する。".into(),
        (Reason::TooSlow { .. }, Lang::En) => "Consider a car or a nearer destination.".into(),
        (Reason::NoHelperInReach { limit_secs, .. }, Lang::Ja) => {
            format!(
                "自宅まで{}分以内で来られる支援者を1人探す。",
                min(*limit_secs)
            )
        }
        (Reason::NoHelperInReach { limit_secs, .. }, Lang::En) => format!(
            "Find a helper who can reach the home within {} min.",
            min(*limit_secs)
        ),
        (Reason::NobodyAvailable { night, .. }, Lang::Ja) => if *night {
            "夜間に対応できる支援者を探す。"
        } else {
            "この時間帯に対応できる支援者を探す。"
        }
        .into(),
        (Reason::NobodyAvailable { night, .. }, Lang::En) => if *night {
            "Find a helper available at night."
        } else {
            "Find a helper available at this time."
        }
        .into(),
        (Reason::SkillMissing { skill, .. }, Lang::Ja) => {
            format!("{}支援者を探す。", crate::plan::skill_can_ja(*skill))
        }
        (Reason::SkillMissing { skill, .. }, Lang::En) => {
            format!("Find a helper who can {}.", crate::plan::skill_verb(*skill))
        }
        (Reason::HelpersWithoutConsent { count }, Lang::Ja) => {
            format!("近くの支援者{count}人に、計画への記載の同意をお願いする。")
        }
        (Reason::HelpersWithoutConsent { count }, Lang::En) => {
            format!("Ask the {count} helper(s) nearby to consent to being named in plans.")
        }
        (Reason::HelperTooLate { latest_min, .. }, Lang::Ja) => format!(
            "警報から{}分以内に到着できる、より近くの支援者を探す。",
            latest_min.floor() as i64
        ),
        (Reason::HelperTooLate { latest_min, .. }, Lang::En) => format!(
            "Find a helper living nearer, who arrives within {} min of the alert.",
            latest_min.floor() as i64
        ),
        (Reason::NotEnoughHelpers { needed, eligible }, Lang::Ja) => format!(
            "あと{}人、間に合う支援者を探す。",
            usize::from(*needed).saturating_sub(*eligible).max(1)
        ),
        (Reason::NotEnoughHelpers { needed, eligible }, Lang::En) => format!(
            "Find {} more helper(s) who can make it.",
            usize::from(*needed).saturating_sub(*eligible).max(1)
        ),
        (Reason::HelpersAtCapacity { drivers, .. }, Lang::Ja) => if *drivers {
            "車を運転できる支援者をもう1人探す。"
        } else {
            "他の方を担当していない支援者をもう1人探すか、担当を入れ替える。"
        }
        .into(),
        (Reason::HelpersAtCapacity { drivers, .. }, Lang::En) => if *drivers {
            "Find one more helper who drives."
        } else {
            "Find one more helper who escorts nobody else, or swap assignments."
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_name_the_facts_of_the_reason() {
        let r = Reason::NoHelperInReach {
            limit_secs: 900.0,
            nearest_secs: None,
            nearest_straight_m: None,
        };
        assert!(fix_text(&r, Lang::Ja).contains("15分"));
        assert!(fix_text(&r, Lang::En).contains("15 min"));
        let r = Reason::NotEnoughHelpers {
            needed: 2,
            eligible: 0,
        };
        assert!(fix_text(&r, Lang::Ja).contains("あと2人"));
    }
}
