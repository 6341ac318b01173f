//! The helper's route card (支援者ルートカード): for one helper, the people they support
//! (primary first, then as backup), where each lives, what each needs, a map from the helper's
//! home to the person and on to the destination, and when to go (警戒レベル3).
//!
//! A card is what a helper keeps by the phone; it repeats the plan facts a helper acts on and
//! leaves out the rest (birth date, consent, register reasons).

use super::labels::{Labels, labels};
use super::sheet::{band_class, how_to_assist, shelter_kind};
use super::svg::{MapMarks, Mark, route_map_svg};
use super::view::{MapIndex, card_points};
use super::{MAP_MARGIN_M, after_alert_text, length_text, minutes_text};
use crate::model::Lang;
use crate::plan::{HelperRole, Plan, PlanHelper};
use askama::Template;

/// One person on a card.
pub(crate) struct CardItem {
    pub tag: String,
    pub primary: bool,
    pub role: &'static str,
    pub name: String,
    pub kana: String,
    pub priority: String,
    pub priority_class: &'static str,
    pub rows: Vec<(&'static str, String)>,
    pub map_svg: String,
}

#[derive(Template)]
#[template(path = "card.html")]
pub(crate) struct CardPage {
    pub l: &'static Labels,
    pub title: String,
    pub helper_id: String,
    pub helper_name: String,
    pub helper_phone: String,
    pub items: Vec<CardItem>,
}

/// The helper's place in their round and its times, as a card row.
fn round_row(plan: &Plan, me: &PlanHelper, lang: Lang) -> Option<(&'static str, String)> {
    let (order, arrive, safe) = (me.order?, me.arrive_secs?, me.safe_secs?);
    let alert = plan.alert_at.as_deref();
    let (a, s) = (
        after_alert_text(arrive / 60.0, alert, lang),
        after_alert_text(safe / 60.0, alert, lang),
    );
    Some((
        labels(lang).round,
        match lang {
            Lang::Ja => format!("{order}番目：到着 {a}、避難完了 {s}"),
            Lang::En => format!("stop {order}: arrive {a}, safe {s}"),
        },
    ))
}

fn role_label(me: &PlanHelper, l: &Labels) -> &'static str {
    match me.role {
        HelperRole::Primary => l.primary,
        HelperRole::Backup => l.backup,
    }
}

/// A card item for a person who has not consented to sharing: the duty and when, nothing
/// that identifies them or their health.
fn withheld_item(tag: String, plan: &Plan, me: &PlanHelper, lang: Lang) -> CardItem {
    let l = labels(lang);
    let mut rows = vec![(l.withheld, l.withheld_text.to_string())];
    rows.extend(round_row(plan, me, lang));
    if let Some(d) = &plan.destination
        && plan.method != crate::plan::Method::StayUpstairs
    {
        rows.push((
            l.destination,
            format!("{}（{}）", d.name, shelter_kind(&d.kind, lang)),
        ));
    }
    CardItem {
        tag,
        primary: me.role == HelperRole::Primary,
        role: role_label(me, l),
        name: l.withheld_name.to_string(),
        kana: String::new(),
        priority: plan.priority.band.label(lang).to_string(),
        priority_class: band_class(plan.priority.band),
        rows,
        map_svg: String::new(),
    }
}

/// Renders the route card of the helper with volunteer id `helper_id`, over the `plans` that
/// name them (others are ignored), with maps cut from `index`. Primary duties come first, in
/// the order of the helper's round, then backup duties, by priority and person id. A helper
/// named in no plan gets a card saying so.
///
/// Consent (災害対策基本法 49条の11): outside `disaster` mode, a person who has not consented to
/// sharing in normal times (`consent_share`) appears without name, address, phone, health or a
/// map of their home; only the duty, the round times and the destination remain.
pub fn render_card(
    helper_id: &str,
    plans: &[&Plan],
    index: &MapIndex,
    lang: Lang,
    disaster: bool,
) -> String {
    let l = labels(lang);
    let mut duties: Vec<(&Plan, &PlanHelper)> = plans
        .iter()
        .filter_map(|p| {
            p.helpers
                .iter()
                .find(|h| h.id == helper_id)
                .map(|h| (*p, h))
        })
        .collect();
    // Primary duties in the order of the helper's round, then backup duties by priority.
    duties.sort_by(|a, b| {
        (a.1.role, a.1.order, a.0.priority.band, &a.0.person).cmp(&(
            b.1.role,
            b.1.order,
            b.0.priority.band,
            &b.0.person,
        ))
    });
    let (helper_name, helper_phone) = duties
        .first()
        .map(|(_, h)| (h.name.clone(), h.phone.clone()))
        .unwrap_or_default();
    let items = duties
        .iter()
        .enumerate()
        .map(|(i, (plan, me))| {
            let tag = (i + 1).to_string();
            if !(plan.consent_share || disaster) {
                return withheld_item(tag, plan, me, lang);
            }
            let mut rows: Vec<(&'static str, String)> = vec![
                (l.address, plan.address.clone()),
                (l.phone, plan.phone.clone()),
                (l.mobility, plan.mobility.label(lang).to_string()),
                (
                    l.how_to_assist,
                    how_to_assist(plan.mobility, lang).to_string(),
                ),
            ];
            if !plan.needs.is_empty() {
                let needs: Vec<&str> = plan.needs.iter().map(|n| n.label(lang)).collect();
                rows.push((l.medical, needs.join(lang.pick("、", ", "))));
            }
            if !plan.notes.is_empty() {
                rows.push((l.notes, plan.notes.clone()));
            }
            let others: Vec<String> = plan
                .helpers
                .iter()
                .filter(|h| h.id != helper_id)
                .map(|h| {
                    let role = match h.role {
                        HelperRole::Primary => l.primary,
                        HelperRole::Backup => l.backup,
                    };
                    match lang {
                        Lang::Ja => format!("{} {}（{role}）", h.name, h.phone),
                        Lang::En => format!("{} {} ({role})", h.name, h.phone),
                    }
                })
                .chain(plan.family_helper.then(|| l.family_name.to_string()))
                .collect();
            if !others.is_empty() {
                rows.push((l.card_with, others.join(lang.pick("／", " / "))));
            }
            rows.push((l.travel, minutes_text(me.travel_secs, lang)));
            rows.extend(round_row(plan, me, lang));
            match &plan.destination {
                Some(d) if plan.method != crate::plan::Method::StayUpstairs => {
                    rows.push((
                        l.destination,
                        format!("{}（{}）{}", d.name, shelter_kind(&d.kind, lang), d.address),
                    ));
                    rows.push((
                        l.route_length,
                        format!(
                            "{} / {}",
                            length_text(plan.route_length_m),
                            minutes_text(plan.evacuation_secs, lang)
                        ),
                    ));
                }
                Some(_) => rows.push((l.destination, l.stay_put.to_string())),
                None => rows.push((l.destination, l.no_destination.to_string())),
            }
            rows.push((l.method, plan.method.label(lang).to_string()));
            let prefix = format!("m{}", i + 1);
            let mut marks = MapMarks {
                id_prefix: &prefix,
                homes: vec![Mark {
                    at: plan.home,
                    tag: tag.clone(),
                }],
                helper_homes: vec![Mark::at(me.home)],
                ..Default::default()
            };
            if let Some(d) = &plan.destination {
                marks.destinations.push(Mark::at(d.location));
            }
            if plan.method != crate::plan::Method::StayUpstairs && plan.route.len() > 1 {
                marks.routes.push(&plan.route);
            }
            if me.route.len() > 1 {
                marks.helper_routes.push(&me.route);
            }
            let view = index.view(&card_points(plan, helper_id), MAP_MARGIN_M);
            let map_svg = route_map_svg(&view, &marks, lang);
            CardItem {
                tag,
                primary: me.role == HelperRole::Primary,
                role: role_label(me, l),
                name: plan.name.clone(),
                kana: plan.kana.clone(),
                priority: plan.priority.band.label(lang).to_string(),
                priority_class: band_class(plan.priority.band),
                rows,
                map_svg,
            }
        })
        .collect();
    let page = CardPage {
        l,
        title: format!("{} — {}", l.card_title, helper_name),
        helper_id: helper_id.to_string(),
        helper_name,
        helper_phone,
        items,
    };
    page.render()
        .expect("rendering a card into a String cannot fail")
}
