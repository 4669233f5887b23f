//! Alerts on either backend: raising with figures, the filtered list, acknowledging and
//! resolving, and the digest's recipients and sends.

use super::alerts::{
    AlertFilter, AlertRecord, AlertState, AlertStorage, DigestRecipient, DigestSettings, Severity,
};
use super::dashboard::DashboardRole;
use super::db::{Row, Tx, Value};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{StoreId, TillId};

/// The alert's columns, its store being its own or its till's (`a` alerts, `t` tills, `ua`/`ur`
/// the users who acknowledged and resolved it).
const COLUMNS: &str =
    "a.id, a.kind, a.till_id, COALESCE(a.store_id, t.store_id), a.message, a.params,
    a.severity, a.created_at, a.gap_from, a.gap_to, a.acknowledged_at, ua.display_name,
    a.acknowledge_note, a.resolved_at, ur.display_name, a.resolve_note";
const FROM: &str = "FROM alerts a LEFT JOIN tills t ON t.id = a.till_id
    LEFT JOIN dashboard_users ua ON ua.id = a.acknowledged_by
    LEFT JOIN dashboard_users ur ON ur.id = a.resolved_by";

fn record_of(r: &Row) -> StorageResult<AlertRecord> {
    let params: Option<String> = r.get(5)?;
    let severity: String = r.get(6)?;
    let gap = match (r.get::<Option<i64>>(8)?, r.get::<Option<i64>>(9)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    Ok(AlertRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        till_id: r.get::<Option<i64>>(2)?.map(TillId),
        store_id: r.get::<Option<i64>>(3)?.map(StoreId),
        message: r.get(4)?,
        params: params
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(serde_json::Value::Null),
        severity: Severity::parse(&severity).unwrap_or(Severity::Warning),
        created_at: sql::from_micros(r.get(7)?),
        gap,
        acknowledged_at: r.get::<Option<i64>>(10)?.map(sql::from_micros),
        acknowledged_by: r.get(11)?,
        acknowledge_note: r.get(12)?,
        resolved_at: r.get::<Option<i64>>(13)?.map(sql::from_micros),
        resolved_by: r.get(14)?,
        resolve_note: r.get(15)?,
    })
}

async fn load(tx: &mut dyn Tx, id: i64) -> StorageResult<Option<AlertRecord>> {
    match tx
        .query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = ?1"), p![id])
        .await?
    {
        Some(r) => Ok(Some(record_of(&r)?)),
        None => Ok(None),
    }
}

fn not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("alert_not_found").with("id", id))
}

/// Inserts an alert with its severity and figures (inside the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert(
    tx: &mut dyn Tx,
    kind: &str,
    till: Option<i64>,
    store: Option<i64>,
    message: &str,
    params: &serde_json::Value,
    now_us: i64,
    gap: Option<(i64, i64)>,
) -> StorageResult<()> {
    let params = (!params.is_null()).then(|| params.to_string());
    tx.execute(
        "INSERT INTO alerts (kind, till_id, store_id, message, params, severity, created_at, gap_from, gap_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        p![
            kind,
            till,
            store,
            message,
            params.as_deref(),
            Severity::of(kind).as_str(),
            now_us,
            gap.map(|g| g.0),
            gap.map(|g| g.1)
        ],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl AlertStorage for SqlStorage {
    async fn raise(
        &self,
        kind: &str,
        till: Option<TillId>,
        store: Option<StoreId>,
        message: &str,
        params: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let (kind, message, params) = (kind.to_string(), message.to_string(), params.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (till, store) = (till.map(|t| t.0), store.map(|s| s.0));
                    if tx
                        .exists(
                            "SELECT 1 FROM alerts WHERE kind = ?1 AND message = ?2 AND resolved_at IS NULL
                               AND (till_id = ?3 OR (till_id IS NULL AND CAST(?3 AS BIGINT) IS NULL))
                               AND (store_id = ?4 OR (store_id IS NULL AND CAST(?4 AS BIGINT) IS NULL))",
                            p![&kind, &message, till, store],
                        )
                        .await?
                    {
                        return Ok(false);
                    }
                    insert(tx, &kind, till, store, &message, &params, sql::micros(now), None)
                        .await?;
                    Ok(true)
                })
            })
            .await
    }

    async fn alerts(&self, f: &AlertFilter) -> StorageResult<(Vec<AlertRecord>, u64)> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let mut conds: Vec<String> = Vec::new();
                    let mut vals: Vec<Value<'_>> = Vec::new();
                    match (f.state, f.any_state) {
                        (Some(AlertState::Open), _) => conds
                            .push("a.resolved_at IS NULL AND a.acknowledged_at IS NULL".into()),
                        (Some(AlertState::Acknowledged), _) => conds.push(
                            "a.resolved_at IS NULL AND a.acknowledged_at IS NOT NULL".into(),
                        ),
                        (Some(AlertState::Resolved), _) => {
                            conds.push("a.resolved_at IS NOT NULL".into())
                        }
                        (None, false) => conds.push("a.resolved_at IS NULL".into()),
                        (None, true) => {}
                    }
                    if let Some(k) = &f.kind {
                        vals.push(Value::Text(k.as_str()));
                        conds.push(format!("a.kind = ?{}", vals.len()));
                    }
                    if let Some(s) = f.severity {
                        vals.push(Value::Text(s.as_str()));
                        conds.push(format!("a.severity = ?{}", vals.len()));
                    }
                    if let Some(s) = f.store {
                        vals.push(Value::Int(s.0));
                        conds.push(format!("COALESCE(a.store_id, t.store_id) = ?{}", vals.len()));
                    }
                    if let Some(scope) = &f.scope {
                        if scope.is_empty() {
                            conds.push("1 = 0".into());
                        } else {
                            let mut marks = Vec::new();
                            for s in scope {
                                vals.push(Value::Int(s.0));
                                marks.push(format!("?{}", vals.len()));
                            }
                            conds.push(format!(
                                "COALESCE(a.store_id, t.store_id) IN ({})",
                                marks.join(", ")
                            ));
                        }
                    }
                    let filter = if conds.is_empty() {
                        String::new()
                    } else {
                        format!("WHERE {}", conds.join(" AND "))
                    };
                    let total: i64 = tx
                        .query_one(
                            &format!("SELECT CAST(COUNT(*) AS BIGINT) {FROM} {filter}"),
                            &vals,
                        )
                        .await?
                        .get(0)?;
                    let limit = i64::try_from(f.limit.clamp(1, 1000)).unwrap_or(1000);
                    let offset = i64::try_from(f.offset).unwrap_or(i64::MAX);
                    let rows = tx
                        .query_map(
                            &format!(
                                "SELECT {COLUMNS} {FROM} {filter} ORDER BY a.id DESC LIMIT {limit} OFFSET {offset}"
                            ),
                            &vals,
                            record_of,
                        )
                        .await?;
                    Ok((rows, sql::to_u64(total)))
                })
            })
            .await
    }

    async fn alert(&self, id: i64) -> StorageResult<Option<AlertRecord>> {
        self.db
            .read(move |tx| Box::pin(async move { load(tx, id).await }))
            .await
    }

    async fn alert_kinds(&self) -> StorageResult<Vec<String>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT DISTINCT kind FROM alerts ORDER BY kind",
                        p![],
                        |r| r.get(0),
                    )
                    .await
                })
            })
            .await
    }

    async fn acknowledge(
        &self,
        id: i64,
        user: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<AlertRecord> {
        let note = note.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let a = load(tx, id).await?.ok_or_else(|| not_found(id))?;
                    if a.resolved_at.is_some() {
                        return Err(StorageError::Conflict(
                            Problem::new("alert_resolved_already").with("id", id),
                        ));
                    }
                    tx.execute(
                        "UPDATE alerts SET acknowledged_at = ?1, acknowledged_by = ?2, acknowledge_note = ?3
                         WHERE id = ?4 AND resolved_at IS NULL",
                        p![sql::micros(now), user, (!note.is_empty()).then_some(note.as_str()), id],
                    )
                    .await?;
                    load(tx, id).await?.ok_or_else(|| not_found(id))
                })
            })
            .await
    }

    async fn resolve(
        &self,
        id: i64,
        user: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<AlertRecord> {
        let note = note.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let a = load(tx, id).await?.ok_or_else(|| not_found(id))?;
                    if a.resolved_at.is_some() {
                        return Err(StorageError::Conflict(
                            Problem::new("alert_resolved_already").with("id", id),
                        ));
                    }
                    tx.execute(
                        "UPDATE alerts SET resolved_at = ?1, resolved_by = ?2, resolve_note = ?3
                         WHERE id = ?4 AND resolved_at IS NULL",
                        p![
                            sql::micros(now),
                            user,
                            (!note.is_empty()).then_some(note.as_str()),
                            id
                        ],
                    )
                    .await?;
                    load(tx, id).await?.ok_or_else(|| not_found(id))
                })
            })
            .await
    }

    async fn digest_settings(&self, user: i64) -> StorageResult<DigestSettings> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT email, alert_digest, digest_language FROM dashboard_users WHERE id = ?1",
                            p![user],
                        )
                        .await?;
                    match r {
                        Some(r) => Ok(DigestSettings {
                            email: r.get(0)?,
                            enabled: r.get(1)?,
                            language: r.get(2)?,
                        }),
                        None => Ok(DigestSettings::default()),
                    }
                })
            })
            .await
    }

    async fn set_digest_settings(&self, user: i64, s: &DigestSettings) -> StorageResult<()> {
        let s = s.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE dashboard_users SET email = ?1, alert_digest = ?2, digest_language = ?3 WHERE id = ?4",
                        p![&s.email, s.enabled, &s.language, user],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn digest_recipients(&self) -> StorageResult<Vec<DigestRecipient>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    let rows = tx
                        .query(
                            "SELECT id, display_name, role, email, digest_language, franchisee_id FROM dashboard_users
                             WHERE alert_digest = ?1 AND email <> '' AND disabled_at IS NULL
                               AND role IN ('admin', 'manager', 'franchisee') ORDER BY id",
                            p![true],
                        )
                        .await?;
                    let mut out = Vec::new();
                    for r in rows {
                        let id: i64 = r.get(0)?;
                        let role: String = r.get(2)?;
                        let Some(role) = DashboardRole::parse(&role) else {
                            continue;
                        };
                        let franchisee: Option<i64> = r.get(5)?;
                        let stores = match (role, franchisee) {
                            (DashboardRole::Franchisee, Some(f)) => {
                                tx.query_map(
                                    "SELECT id FROM stores WHERE franchisee_id = ?1 ORDER BY id",
                                    p![f],
                                    |r| Ok(StoreId(r.get(0)?)),
                                )
                                .await?
                            }
                            // A franchisee user without its franchisee sees nothing.
                            (DashboardRole::Franchisee, None) => continue,
                            _ => {
                                tx.query_map(
                                    "SELECT store_id FROM dashboard_user_stores WHERE user_id = ?1 ORDER BY store_id",
                                    p![id],
                                    |r| Ok(StoreId(r.get(0)?)),
                                )
                                .await?
                            }
                        };
                        out.push(DigestRecipient {
                            user_id: id,
                            display_name: r.get(1)?,
                            role,
                            stores,
                            email: r.get(3)?,
                            language: r.get(4)?,
                            franchisee: franchisee
                                .filter(|_| role == DashboardRole::Franchisee)
                                .map(sync_protocol::FranchiseeId),
                        });
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn digest_sent(&self, period: &str, user: i64) -> StorageResult<bool> {
        let period = period.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.exists(
                        "SELECT 1 FROM alert_digests_sent WHERE period = ?1 AND user_id = ?2",
                        p![&period, user],
                    )
                    .await
                })
            })
            .await
    }

    async fn record_digest(
        &self,
        period: &str,
        user: i64,
        alerts: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let period = period.to_string();
        let alerts = i64::try_from(alerts).unwrap_or(i64::MAX);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "INSERT INTO alert_digests_sent (period, user_id, alerts, sent_at)
                             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                            p![&period, user, alerts, sql::micros(now)],
                        )
                        .await?;
                    Ok(n > 0)
                })
            })
            .await
    }
}
