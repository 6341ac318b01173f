//! Console texts: the tables and explanations the commands print, as pure functions returning
//! `String`, so the binary only prints them and tests can read them.

use crate::model::{Lang, Map};
use crate::plan::engine::{HelperStatus, PlanRun};
use crate::plan::{Counts, PlanChange, Reason, scenario_name, skill_can_ja, skill_verb};
use crate::report::{AnnualReport, PlanProgress, ProgressRow};
use std::fmt::Write;

/// `writeln!` into a `String`, which cannot fail.
macro_rules! line {
    ($out:expr, $($arg:tt)*) => {
        let _ = writeln!($out, $($arg)*);
    };
}

/// One row of [`plan_table`], the label padded to `label_w` columns, each count to `col_w`.
fn counts_row(label: &str, label_w: usize, col_w: usize, c: &Counts) -> String {
    let need = |k: &str| c.by_need.get(k).copied().unwrap_or(0);
    [
        c.people,
        c.consented,
        need("leave"),
        need("upstairs"),
        need("stay_home"),
        need("facility"),
        c.need_help,
        c.covered,
        c.with_backup,
        c.uncovered,
        c.high_priority_uncovered,
    ]
    .iter()
    .fold(pad(label, label_w), |row, n| format!("{row} {n:>col_w$}"))
}

/// The console table of a planning run: counts per district, reasons, helper figures.
pub fn plan_table(map: &Map, run: &PlanRun, lang: Lang) -> String {
    let mut out = String::new();
    let t = |ja, en| lang.pick(ja, en);
    line!(
        out,
        "{}: {}  {}: {}",
        t("想定", "Scenario"),
        scenario_name(&run.summary.scenario, &run.summary.scenario_en, lang),
        t("作成日", "As of"),
        run.summary.as_of
    );
    let rows: Vec<(String, &Counts)> = map
        .districts
        .iter()
        .filter_map(|d| {
            let c = run.summary.by_district.get(&d.code)?;
            Some((format!("{} {}", d.code, d.name), c))
        })
        .chain(std::iter::once((
            t("合計", "total").to_owned(),
            &run.summary.total,
        )))
        .collect();
    let label_w = widest(
        rows.iter()
            .map(|(l, _)| l.as_str())
            .chain([t("地区", "district")]),
    );
    let heads = [
        t("対象者", "people"),
        t("同意", "consent"),
        t("要避難", "leave"),
        t("上階", "upstair"),
        t("在宅", "home"),
        t("施設", "facility"),
        t("要支援", "need"),
        t("確保", "covered"),
        t("予備有", "backup"),
        t("未確保", "uncov."),
        t("うち高", "high"),
    ];
    let col_w = widest(heads).max(7);
    line!(
        out,
        "{} {}",
        pad(t("地区", "district"), label_w),
        heads.map(|h| rpad(h, col_w)).join(" ")
    );
    for (label, c) in &rows {
        line!(out, "{}", counts_row(label, label_w, col_w, c));
    }
    line!(
        out,
        "{}",
        t(
            "要支援 = 今、支援者が必要な人（立ち退き避難、または上階への移動に介助が必要）。確保・未確保はその内数。",
            "need = people who need a helper now (to leave, or to get upstairs); covered and uncovered count among them."
        )
    );
    out.push('\n');
    line!(
        out,
        "{}",
        t(
            "支援者が確保できない理由（人数）",
            "Uncovered, by reason (people)"
        )
    );
    let mut reasons: Vec<(&str, usize)> = run
        .summary
        .total
        .by_reason
        .iter()
        .map(|(code, n)| (Reason::label_of(code, lang), *n))
        .collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let reason_w = widest(reasons.iter().map(|(l, _)| *l));
    for (label, n) in &reasons {
        line!(out, "  {} {n:>6}", pad(label, reason_w));
    }
    if reasons.is_empty() {
        line!(out, "  {}", t("なし", "none"));
    }
    let sm = &run.summary;
    out.push('\n');
    line!(
        out,
        "{}",
        match lang {
            Lang::Ja => format!(
                "見守りの中心の担い手が支援者: {} / {}人（担い手が自分の見守り先で手いっぱいの{}人を除く）。複数人を回る支援者 {}人、予備が手いっぱいの人 {}人。",
                sm.main_watcher_primary,
                sm.main_watcher_eligible - sm.main_watcher_busy_own,
                sm.main_watcher_busy_own,
                sm.helpers_with_rounds,
                sm.backup_busy
            ),
            Lang::En => format!(
                "Main watcher as helper: {} of {} (leaving out {} whose watcher is full with other people they watch). Helpers with a round of several people: {}; backups already full: {}.",
                sm.main_watcher_primary,
                sm.main_watcher_eligible - sm.main_watcher_busy_own,
                sm.main_watcher_busy_own,
                sm.helpers_with_rounds,
                sm.backup_busy
            ),
        }
    );
    if sm.pins_followed + sm.pins_not_followed > 0 {
        line!(
            out,
            "{}",
            match lang {
                Lang::Ja => format!(
                    "手動指定: {}件に従い、{}件は従えませんでした（理由は各計画の注意事項に記載）。",
                    sm.pins_followed, sm.pins_not_followed
                ),
                Lang::En => format!(
                    "Pins: {} followed, {} not (each plan's warnings say why).",
                    sm.pins_followed, sm.pins_not_followed
                ),
            }
        );
    }
    if let Some(n) = sm.changed {
        let why: Vec<String> = sm
            .changed_by_reason
            .iter()
            .map(|(k, v)| format!("{} {v}", PlanChange::label_of(k, lang)))
            .collect();
        line!(
            out,
            "{}",
            match lang {
                Lang::Ja => format!("前回の計画から変わった人: {n}人（{}）", why.join("、")),
                Lang::En => format!("Changed since the previous plans: {n} ({})", why.join(", ")),
            }
        );
    }
    if !run.summary.matching_optimal {
        line!(
            out,
            "{}",
            t(
                "注意: 支援者の組合せは探索上限に達し、最適とは限りません。",
                "Note: the helper matching hit its search budget and may not be optimal."
            )
        );
    }
    out
}

/// Every helper and destination considered for one person, as console text (one line saying
/// so when the person gave no consent to drafting).
pub fn explain_text(run: &PlanRun, person: &str, lang: Lang) -> String {
    let mut out = String::new();
    let t = |ja, en| lang.pick(ja, en);
    let plan = run.plans.iter().find(|p| p.person == person);
    let Some(ex) = run.explanations.get(person) else {
        line!(
            out,
            "{person}: {}",
            t(
                "計画作成の同意がないため、計画は作成していません。",
                "no consent to drafting: no plan was drafted."
            )
        );
        return out;
    };
    if let Some(p) = plan {
        line!(
            out,
            "{person}  {} {}  {} {:.1}",
            t("方法", "method"),
            p.method.label(lang),
            t("優先度", "priority"),
            p.priority.score
        );
        for f in &p.priority.factors {
            line!(
                out,
                "    × {:.1}  {}",
                f.multiplier,
                lang.pick(&f.ja, &f.en)
            );
        }
        for r in &p.reasons {
            line!(out, "  {} {}", t("理由:", "reason:"), r.sentence(lang));
        }
        for w in &p.warnings {
            line!(out, "  {} {}", t("注意:", "warning:"), w.sentence(lang));
        }
    }
    line!(out, "{}", t("避難先の候補", "Destinations considered"));
    let name_w = widest(ex.destinations.iter().map(|d| d.name.as_str()));
    for d in &ex.destinations {
        line!(
            out,
            "  {:<8} {:>6.1} {}  {}  {}",
            d.id,
            d.evacuation_secs / 60.0,
            t("分", "min"),
            pad(&d.name, name_w),
            d.status.label(lang)
        );
    }
    if ex.destinations.is_empty() {
        line!(out, "  {}", t("（なし）", "(none)"));
    }
    line!(out, "{}", t("支援者の候補", "Helpers considered"));
    let covered = plan.is_some_and(|p| p.covered);
    for h in &ex.helpers {
        let status = match &h.status {
            // Not chosen for someone left uncovered: the reason above says why, not "a better
            // helper was chosen".
            HelperStatus::NotChosen { helps } if helps.is_empty() && !covered => t(
                "候補（選定できず。理由は上記）",
                "eligible, but not chosen: see the reason above",
            )
            .to_owned(),
            s => helper_status_text(s, lang),
        };
        let watch = if h.watches_person {
            t("　見守り中", "; watches this person")
        } else {
            ""
        };
        line!(
            out,
            "  {:<8} {:>6.1} {}  {}{}",
            h.id,
            h.travel_secs / 60.0,
            t("分", "min"),
            status,
            watch
        );
    }
    if ex.helpers.is_empty() {
        line!(out, "  {}", t("（なし）", "(none)"));
    }
    out
}

/// One helper candidate's status in `explain`.
pub fn helper_status_text(s: &HelperStatus, lang: Lang) -> String {
    let min = |secs: f64| (secs / 60.0).ceil();
    match (s, lang) {
        (HelperStatus::Primary, l) => l.pick("◎ 支援者に選定", "chosen as helper").into(),
        (HelperStatus::Backup { busy_with }, l) if busy_with.is_empty() => {
            l.pick("○ 予備の支援者に選定", "chosen as backup").into()
        }
        (HelperStatus::Backup { busy_with }, Lang::Ja) => format!(
            "○ 予備の支援者に選定（既に{}を支援しており手いっぱい。ほかに予備になれる人がいません）",
            busy_with.join("・")
        ),
        (HelperStatus::Backup { busy_with }, Lang::En) => format!(
            "chosen as backup, although already escorting {} to capacity: nobody else could",
            busy_with.join(", ")
        ),
        (HelperStatus::NotChosen { helps }, Lang::Ja) if helps.is_empty() => {
            "候補（より適した支援者を選定）".into()
        }
        (HelperStatus::NotChosen { helps }, Lang::En) if helps.is_empty() => {
            "eligible; a better-placed helper was chosen".into()
        }
        (HelperStatus::NotChosen { helps }, Lang::Ja) => {
            format!("候補（{}を支援）", helps.join("・"))
        }
        (HelperStatus::NotChosen { helps }, Lang::En) => {
            format!("eligible; escorts {}", helps.join(", "))
        }
        (HelperStatus::NoConsent, l) => l
            .pick("× 計画への記載に未同意", "no consent to be named")
            .into(),
        (HelperStatus::Unavailable, l) => l
            .pick("× この時間帯は対応不可", "not available at this time")
            .into(),
        (HelperStatus::MissingSkill { skill }, Lang::Ja) => {
            format!("× {}人ではない", skill_can_ja(*skill))
        }
        (HelperStatus::MissingSkill { skill }, Lang::En) => {
            format!("cannot {}", skill_verb(*skill))
        }
        (HelperStatus::TooLate { arrival_secs }, Lang::Ja) => {
            format!("× 間に合わない（到着は警報から{}分後）", min(*arrival_secs))
        }
        (HelperStatus::TooLate { arrival_secs }, Lang::En) => {
            format!(
                "too late (arrives {} min after the alert)",
                min(*arrival_secs)
            )
        }
    }
}

/// Display width in terminal columns (East Asian wide characters count two), from the
/// `unicode-width` crate.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The display width of the widest of `texts` (0 for none): a column's width.
pub fn widest<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts.into_iter().map(width).max().unwrap_or(0)
}

/// Pads on the right to a display width.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// Pads on the left to a display width (right-aligned headers).
pub fn rpad(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// The annual watch-over summary as a console table.
pub fn annual_table(r: &AnnualReport, lang: Lang) -> String {
    let mut out = String::new();
    let t = |ja, en| lang.pick(ja, en);
    line!(
        out,
        "{} ({} – {})",
        t("安心見守り事業 実績", "Watch-over programme results"),
        r.from,
        r.to
    );
    line!(
        out,
        "{}",
        match lang {
            Lang::Ja => format!("令和{}年度", r.fiscal_year - 2018),
            Lang::En => format!("fiscal {}", r.fiscal_year),
        }
    );
    for (label, v) in [
        (t("事業実施地区", "Districts active"), r.districts),
        (t("見守り対象者数", "Watched people"), r.watched_people),
        (t("担い手数", "Helpers"), r.helpers),
        (t("世話係数", "Caretakers"), r.caretakers),
        (t("地域コーディネーター数", "Coordinators"), r.coordinators),
        (t("延べ実施回数", "Total activities"), r.activities),
        (t("困りごと発見", "Concerns found"), r.concerns),
        (t("専門機関へのつなぎ", "Referrals"), r.referrals),
    ] {
        line!(out, "  {} {:>9}", pad(label, 26), group(v));
    }
    out.push('\n');
    line!(out, "{}", t("方法別", "By method"));
    let method_w = widest(r.by_method.keys().map(|m| m.label(lang)));
    for (m, n) in &r.by_method {
        line!(
            out,
            "  {} {:>9}  {:>5.1}%",
            pad(m.label(lang), method_w),
            group(*n),
            100.0 * *n as f64 / r.activities.max(1) as f64
        );
    }
    out.push('\n');
    let heads = [
        t("対象者", "people"),
        t("担い手", "helpers"),
        t("世話係", "caretk."),
        t("コーデ", "coord."),
        t("回数", "activ."),
    ];
    let name_w = widest(
        r.by_district
            .iter()
            .map(|d| d.name.as_str())
            .chain([t("地区名", "district")]),
    );
    line!(
        out,
        "{} {} {}",
        pad(t("地区", "code"), 6),
        pad(t("地区名", "district"), name_w),
        heads.map(|h| rpad(h, 8)).join(" ")
    );
    for d in &r.by_district {
        line!(
            out,
            "{} {} {:>8} {:>8} {:>8} {:>8} {:>8}",
            pad(&d.code, 6),
            pad(&d.name, name_w),
            d.watched_people,
            d.helpers,
            d.caretakers,
            d.coordinators,
            group(d.activities)
        );
    }
    if let Some(pp) = &r.plan_progress {
        out.push_str(&progress_table(pp, lang));
    }
    out
}

/// 124624 -> "124,624".
pub fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Plan progress per district, and the top recruitment targets.
pub fn progress_table(pp: &PlanProgress, lang: Lang) -> String {
    let t = |ja, en| lang.pick(ja, en);
    let mut out = String::new();
    out.push('\n');
    line!(
        out,
        "{}",
        match lang {
            Lang::Ja => format!(
                "計画の進捗　想定: {}　作成日: {}",
                scenario_name(&pp.scenario, &pp.scenario_en, lang),
                pp.as_of
            ),
            Lang::En => format!(
                "Plan progress. Scenario: {}; as of {}",
                scenario_name(&pp.scenario, &pp.scenario_en, lang),
                pp.as_of
            ),
        }
    );
    let heads = [
        t("対象者", "people"),
        t("同意", "consent"),
        t("要支援", "need"),
        t("確保", "covered"),
        t("未確保", "uncov."),
    ];
    let name_w = widest(
        pp.by_district
            .iter()
            .map(|d| d.name.as_str())
            .chain([t("地区名", "district")]),
    );
    line!(
        out,
        "{} {} {}  {}",
        pad(t("地区", "code"), 6),
        pad(t("地区名", "district"), name_w),
        heads.map(|h| rpad(h, 7)).join(" "),
        t("未確保の主な理由", "main reasons uncovered")
    );
    let reasons = |row: &ProgressRow| {
        let mut v: Vec<(&String, &usize)> = row.uncovered_by_reason.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .take(3)
            .map(|(k, n)| format!("{} {n}", Reason::label_of(k, lang)))
            .collect::<Vec<_>>()
            .join(if lang == Lang::Ja { "、" } else { ", " })
    };
    for d in pp.by_district.iter().chain(std::iter::once(&pp.total)) {
        let (code, name) = if d.code.is_empty() {
            (t("合計", "total"), "")
        } else {
            (d.code.as_str(), d.name.as_str())
        };
        line!(
            out,
            "{} {} {:>7} {:>7} {:>7} {:>7} {:>7}  {}",
            pad(code, 6),
            pad(name, name_w),
            d.people,
            d.consented,
            d.need_help,
            d.covered,
            d.uncovered,
            reasons(d)
        );
    }
    if !pp.targets.is_empty() {
        out.push('\n');
        line!(
            out,
            "{}",
            t(
                "募集の優先候補（再計画で確認した人数）",
                "Top recruitment targets (people confirmed by re-planning)"
            )
        );
        for s in &pp.targets {
            line!(
                out,
                "  {:>2}. {} {} {} {} {}",
                s.rank,
                pad(&s.block, 12),
                pad(&crate::recruit::text::profile_label(&s.profile, lang), 12),
                pad(crate::recruit::text::time_label(&s.time, lang), 8),
                match lang {
                    Lang::Ja => format!("新たに{}人", s.newly_covered.len()),
                    Lang::En => format!("{} newly covered", s.newly_covered.len()),
                },
                match lang {
                    Lang::Ja => format!("（うち優先度高 {}人）", s.high_priority),
                    Lang::En => format!("({} high priority)", s.high_priority),
                }
            );
        }
    }
    out
}

/// The console summary of a several-scenario `plan`: for each further scenario (`runs` in
/// order, named by their files), the people who need a helper there, and how many of them the
/// first scenario's helpers serve, other helpers, or nobody.
pub fn hazards_table(runs: &[(&str, &PlanRun)], lang: Lang) -> String {
    let mut out = String::new();
    let Some(((first_name, first), rest)) = runs.split_first() else {
        return out;
    };
    let by_person: std::collections::BTreeMap<&str, &crate::plan::Plan> =
        first.plans.iter().map(|p| (p.person.as_str(), p)).collect();
    line!(
        out,
        "{}",
        match lang {
            Lang::Ja => format!("災害をまたいだ比較（1つ目: {first_name}）"),
            Lang::En => format!("Across hazards (first: {first_name})"),
        }
    );
    let name_w = widest(rest.iter().map(|(n, _)| *n));
    for (name, run) in rest {
        let (mut same, mut other, mut none) = (0, 0, 0);
        for p in run.plans.iter().filter(|p| p.needs_help) {
            if !p.covered {
                none += 1;
            } else if by_person
                .get(p.person.as_str())
                .is_some_and(|f| f.same_helpers(p))
            {
                same += 1;
            } else {
                other += 1;
            }
        }
        let need = same + other + none;
        line!(
            out,
            "  {} {}",
            pad(name, name_w),
            match lang {
                Lang::Ja => format!(
                    "要支援 {need}人：1つ目と同じ支援者 {same}人、別の支援者 {other}人、支援者なし {none}人"
                ),
                Lang::En => format!(
                    "{} need a helper: the first hazard's helpers for {same}, other helpers for {other}, none for {none}",
                    crate::plan::count_noun(need, "person", "people")
                ),
            }
        );
    }
    line!(
        out,
        "{}",
        lang.pick(
            "一人ずつは hazards.csv（helpers_as_first 列）に。",
            "Person by person: hazards.csv (column helpers_as_first)."
        )
    );
    out
}
