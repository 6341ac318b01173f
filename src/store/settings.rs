//! Service settings (schema 2: disaster mode) and plan edits that change a status and a pin
//! together, in one transaction.

use super::{
    AuditEntry, PinEdit, PlanStatus, Result, ReviewPolicy, Store, StoreError, append_audit,
    bump_review, check_pin_refs, status_in, timestamp, upsert_pin,
};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

const DISASTER_MODE: &str = "disaster_mode";

/// A coordinator's edit of one plan: each part is optional; given parts are applied together
/// or not at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanEdit {
    pub status: Option<PlanStatus>,
    /// Note kept with the status change in the history.
    pub status_note: String,
    /// Replaces the pin's helper (volunteer id) when given.
    pub helper_id: Option<String>,
    /// Replaces the pin's destination (shelter id) when given.
    pub destination_id: Option<String>,
    /// Replaces the pin's notes when given.
    pub notes: Option<String>,
}

/// Whether a plan may move from `from` to `to`: one step forward (未着手 → 作成中 → 本人確認済
/// → 完成), back to 作成中 from a later step (the person's situation changed), or staying.
pub fn allowed_transition(from: PlanStatus, to: PlanStatus) -> bool {
    let rank = |s: PlanStatus| PlanStatus::ALL.iter().position(|x| *x == s).unwrap_or(0);
    from == to || rank(to) == rank(from) + 1 || (to == PlanStatus::Drafting && rank(from) > 1)
}

impl Store {
    /// True while disaster mode is on.
    pub fn disaster_mode(&self) -> Result<bool> {
        let v: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([DISASTER_MODE], |r| r.get(0))
            .optional()?;
        Ok(v.as_deref() == Some("1"))
    }

    /// Switches disaster mode and appends the switch (with `reason`) to the audit log, in one
    /// transaction.
    pub fn set_disaster_mode(
        &mut self,
        on: bool,
        reason: &str,
        now: OffsetDateTime,
        user: &str,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO settings (key, value, changed_at, changed_by) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             changed_at = excluded.changed_at, changed_by = excluded.changed_by",
            params![
                DISASTER_MODE,
                if on { "1" } else { "0" },
                timestamp(now),
                user
            ],
        )?;
        append_audit(
            &tx,
            &AuditEntry {
                user: user.to_owned(),
                person_id: None,
                fields: vec![format!("disaster_mode={}", if on { "on" } else { "off" })],
                reason: reason.to_owned(),
            },
            now,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Applies `edit` to a person's plan in one transaction: the status change (checked with
    /// [`allowed_transition`], kept in the history) and the pin (helper and destination must
    /// exist). On any error nothing is changed.
    pub fn edit_plan(
        &mut self,
        person_id: &str,
        edit: &PlanEdit,
        now: OffsetDateTime,
        user: &str,
        policy: &ReviewPolicy,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        edit_plan_in(&tx, person_id, edit, now, user, policy)?;
        tx.commit()?;
        Ok(())
    }

    /// [`Store::edit_plan`] and [`Store::record_plan_run`] of the plans it re-planned, in one
    /// transaction: the edit and its plans are saved together or not at all.
    #[allow(clippy::too_many_arguments)]
    pub fn edit_plan_and_record(
        &mut self,
        person_id: &str,
        edit: &PlanEdit,
        now: OffsetDateTime,
        user: &str,
        policy: &ReviewPolicy,
        run: &super::NewPlanRun<'_>,
        plans: &[(String, serde_json::Value)],
    ) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        edit_plan_in(&tx, person_id, edit, now, user, policy)?;
        let run_id = super::record_plan_run_in(&tx, run, plans, now, user)?;
        tx.commit()?;
        Ok(run_id)
    }
}

/// The body of [`Store::edit_plan`], inside the caller's transaction.
fn edit_plan_in(
    tx: &rusqlite::Transaction<'_>,
    person_id: &str,
    edit: &PlanEdit,
    now: OffsetDateTime,
    user: &str,
    policy: &ReviewPolicy,
) -> Result<()> {
    let before = status_in(tx, person_id)?;
    let at = timestamp(now);
    if let Some(to) = edit.status {
        if !allowed_transition(before.status, to) {
            return Err(StoreError::StatusTransition {
                from: before.status,
                to,
            });
        }
        if to != before.status {
            let due = policy.due(to, now).map(|d| d.to_string());
            tx.execute(
                "INSERT INTO plan_status (person_id, status, changed_at, changed_by, \
                     review_due) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (person_id) DO UPDATE \
                     SET status = excluded.status, changed_at = excluded.changed_at, \
                     changed_by = excluded.changed_by, review_due = excluded.review_due",
                params![person_id, to.code(), at, user, due],
            )?;
            tx.execute(
                "INSERT INTO status_history (person_id, from_status, to_status, \
                     changed_at, changed_by, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    person_id,
                    before.status.code(),
                    to.code(),
                    at,
                    user,
                    edit.status_note
                ],
            )?;
        }
    }
    if edit.helper_id.is_some() || edit.destination_id.is_some() || edit.notes.is_some() {
        let old = tx
            .query_row(
                "SELECT helper_id, destination_id, method, notes FROM pins \
                     WHERE person_id = ?1",
                [person_id],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let (h, d, m, n) = old.unwrap_or_default();
        let pin = PinEdit {
            helper_id: edit.helper_id.clone().or(h),
            destination_id: edit.destination_id.clone().or(d),
            method: m.as_deref().map(super::parse_method).transpose()?,
            notes: edit.notes.clone().unwrap_or(n),
        };
        // Only the parts given now are checked: a kept pin may name a helper who left.
        check_pin_refs(
            tx,
            &PinEdit {
                helper_id: edit.helper_id.clone(),
                destination_id: edit.destination_id.clone(),
                ..PinEdit::default()
            },
        )?;
        upsert_pin(tx, person_id, &pin, &at, user)?;
        bump_review(tx, person_id, now, policy)?;
    }
    Ok(())
}
