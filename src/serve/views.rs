//! The three layers of a person's plan: the domain value ([`crate::plan::Plan`]), the stored
//! row ([`StoredPlan`]) and the API view ([`PlanView`]), joined by `From`. [`PlanView`]'s
//! `From` is the one place where role and consent redaction happen (災害対策基本法 49条の11,
//! 49条の15).

use crate::model::Lang;
use crate::plan::{Plan, Reason};
use crate::store::{Pin, PlanStatus, StatusRecord, User, UserRole};
use serde::Serialize;
use utoipa::ToSchema;

/// A person as the service needs them to decide access (no personal field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub id: String,
    pub district: String,
    /// 平常時提供同意: consent to sharing the plan beyond the council in normal times.
    pub consent_share: bool,
}

/// A person's stored plan with its status and pin.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPlan {
    pub person: PersonRow,
    pub run_id: i64,
    pub plan: Plan,
    pub status: StatusRecord,
    pub pin: Option<Pin>,
}

impl StoredPlan {
    /// The plan as its printed sheet shows it: updated on the day of the last status change
    /// (in Japan) and due for review on the stored date, where the store knows them.
    pub fn for_sheet(&self) -> Plan {
        let mut plan = self.plan.clone();
        if let Some(t) = self.status.changed_at {
            plan.updated = t.to_offset(crate::store::JST).date().to_string();
        }
        if let Some(d) = self.status.review_due {
            plan.next_review = d.to_string();
        }
        plan
    }
}

/// What a user may see of one person's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// City staff, or the coordinator of the person's district: the whole plan.
    Full,
    /// A helper named in the plan (with consent, or in disaster mode): the helper fields.
    Helper { volunteer_id: String },
}

/// Decides what `user` may see of `person`'s plan; `None` means "not in scope" (answered as
/// 404, exactly like a missing id). Viewers never see a person (the caller answers 403).
pub fn access(
    user: &User,
    person: &PersonRow,
    plan: Option<&Plan>,
    disaster: bool,
) -> Option<Access> {
    match user.role {
        UserRole::City => Some(Access::Full),
        UserRole::Coordinator => {
            (user.district.as_deref() == Some(person.district.as_str())).then_some(Access::Full)
        }
        UserRole::Helper => {
            let vol = user.volunteer_id.as_deref()?;
            let named = plan.is_some_and(|p| p.helpers.iter().any(|h| h.id == vol));
            (named && (person.consent_share || disaster)).then(|| Access::Helper {
                volunteer_id: vol.to_owned(),
            })
        }
        _ => None,
    }
}

/// A status as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusView {
    /// `not_started`, `drafting`, `confirmed_with_person`, `complete`.
    pub code: String,
    pub ja: String,
    pub en: String,
    /// RFC 3339, UTC; absent when never set.
    pub changed_at: Option<String>,
    pub changed_by: String,
    /// YYYY-MM-DD.
    pub review_due: Option<String>,
}

impl From<&StatusRecord> for StatusView {
    fn from(s: &StatusRecord) -> Self {
        StatusView::of(s.status, s)
    }
}

impl StatusView {
    fn of(status: PlanStatus, s: &StatusRecord) -> Self {
        StatusView {
            code: status.code().into(),
            ja: status.label_ja().into(),
            en: status.label_en().into(),
            changed_at: s.changed_at.map(crate::store::timestamp),
            changed_by: s.changed_by.clone(),
            review_due: s.review_due.map(|d| d.to_string()),
        }
    }
}

/// A pin (hand edit) as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PinView {
    pub helper_id: Option<String>,
    pub destination_id: Option<String>,
    pub notes: String,
    pub set_by: String,
    pub set_at: String,
}

impl From<&Pin> for PinView {
    fn from(p: &Pin) -> Self {
        PinView {
            helper_id: p.edit.helper_id.clone(),
            destination_id: p.edit.destination_id.clone(),
            notes: p.edit.notes.clone(),
            set_by: p.set_by.clone(),
            set_at: crate::store::timestamp(p.set_at),
        }
    }
}

/// Personal fields of a full plan (for the audit log).
pub const FULL_FIELDS: &[&str] = &[
    "name",
    "kana",
    "birth_date",
    "address",
    "phone",
    "home",
    "support_reasons",
    "mobility",
    "needs",
    "contacts",
    "daytime_place",
    "notes",
    "helpers",
    "route",
];

/// The fields a helper needs (and all they get).
pub const HELPER_FIELDS: &[&str] = &[
    "name",
    "address",
    "phone",
    "home",
    "mobility",
    "helpers_needed",
    "needs",
    "method",
    "destination",
    "route",
    "my_round",
];

/// One person's plan as a user may see it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PlanView {
    pub person: String,
    pub district: String,
    /// `full` (city, coordinator) or `helper` (only what a helper needs).
    pub access: String,
    /// Absent for helpers.
    pub status: Option<StatusView>,
    /// Absent for helpers.
    pub pin: Option<PinView>,
    /// The plan: every field of `plans.json` for `full`; for `helper` only name, address,
    /// phone, home, mobility, helpers_needed, needs, method, destination, route and the
    /// helper's own round (`my_round`: order, arrival, safe time, travel, route).
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// Personal fields in `plan` (what the audit log records).
    pub fields: Vec<String>,
}

impl From<(&StoredPlan, &Access)> for PlanView {
    fn from((s, access): (&StoredPlan, &Access)) -> Self {
        let p = &s.plan;
        match access {
            Access::Full => PlanView {
                person: s.person.id.clone(),
                district: s.person.district.clone(),
                access: "full".into(),
                status: Some(StatusView::from(&s.status)),
                pin: s.pin.as_ref().map(PinView::from),
                plan: serde_json::to_value(p).unwrap_or(serde_json::Value::Null),
                fields: FULL_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
            },
            Access::Helper { volunteer_id } => {
                let mine = p.helpers.iter().find(|h| &h.id == volunteer_id);
                let plan = serde_json::json!({
                    "person": p.person,
                    "name": p.name,
                    "address": p.address,
                    "phone": p.phone,
                    "home": p.home,
                    "mobility": p.mobility,
                    "helpers_needed": p.helpers_needed,
                    "needs": p.needs,
                    "method": p.method,
                    "destination": p.destination,
                    "route": p.route,
                    "start_when": p.start_when,
                    "departure_min": p.departure_min,
                    "leave_by_min": p.leave_by_min,
                    "my_round": mine.map(|h| serde_json::json!({
                        "role": h.role,
                        "order": h.order,
                        "arrive_secs": h.arrive_secs,
                        "safe_secs": h.safe_secs,
                        "travel_secs": h.travel_secs,
                        "route": h.route,
                    })),
                });
                PlanView {
                    person: s.person.id.clone(),
                    district: s.person.district.clone(),
                    access: "helper".into(),
                    status: None,
                    pin: None,
                    plan,
                    fields: HELPER_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
                }
            }
        }
    }
}

/// A row of `GET /api/people` (no personal field).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: String,
    pub district: String,
    pub status: String,
    /// `high`, `middle`, `low`; absent without a plan.
    pub priority: Option<String>,
    /// Has a plan and needs help now.
    pub needs_help: bool,
    pub covered: bool,
    pub has_plan: bool,
}

/// Aggregates of one district (`GET /api/districts`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DistrictSummary {
    pub code: String,
    pub name: String,
    pub people: usize,
    /// Need a helper now and have every helper they need.
    pub covered: usize,
    /// Need a helper now without every helper they need, or have no plan.
    pub uncovered: usize,
    /// People per plan status code.
    pub statuses: std::collections::BTreeMap<String, usize>,
}

/// A reason in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReasonView {
    pub code: String,
    pub ja: String,
    pub en: String,
}

impl From<&Reason> for ReasonView {
    fn from(r: &Reason) -> Self {
        ReasonView {
            code: r.code().into(),
            ja: r.sentence(Lang::Ja),
            en: r.sentence(Lang::En),
        }
    }
}

/// A row of `GET /api/uncovered` (no personal field).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UncoveredView {
    pub id: String,
    pub district: String,
    pub priority: Option<String>,
    pub reasons: Vec<ReasonView>,
}
