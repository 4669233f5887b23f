//! Job runs and the first jobs' data on either backend. A claim takes the jobs lock (an advisory
//! lock on PostgreSQL) and relies on the (job, period) unique key, so two instances never both run.

use super::db::{Row, locks};
use super::jobs::{ChainLink, Claim, JobRun, JobStorage, RunStatus, SaleRowCounts, Trigger};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::TillId;

const RUN_COLUMNS: &str = "id, job, period, status, trigger, instance, attempts, started_at, \
     finished_at, duration_ms, summary, error";

fn run_of(r: &Row) -> StorageResult<JobRun> {
    let status: String = r.get(3)?;
    let trigger: String = r.get(4)?;
    let summary: Option<String> = r.get(10)?;
    let summary = match summary {
        Some(s) if !s.is_empty() => {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s)
                .map_err(|e| StorageError::Backend(format!("job summary unreadable: {e}")))?
                .into_iter()
                .map(|(k, v)| (k, v.as_u64().unwrap_or(0)))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(JobRun {
        id: r.get(0)?,
        job: r.get(1)?,
        period: r.get(2)?,
        status: RunStatus::parse(&status)
            .ok_or_else(|| StorageError::Backend(format!("unknown job status {status:?}")))?,
        trigger: if trigger == "manual" {
            Trigger::Manual
        } else {
            Trigger::Schedule
        },
        instance: r.get(5)?,
        attempts: sql::to_u64(r.get(6)?),
        started_at: sql::from_micros(r.get(7)?),
        finished_at: sql::opt_from_micros(r.get(8)?),
        duration_ms: r.get::<Option<i64>>(9)?.map(sql::to_u64),
        summary,
        error: r.get(11)?,
    })
}

#[async_trait]
impl JobStorage for SqlStorage {
    async fn claim_run(
        &self,
        job: &str,
        period: &str,
        trigger: Trigger,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Claim> {
        let (job, period, instance) = (job.to_string(), period.to_string(), instance.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(locks::JOBS).await?;
                    let now_us = sql::micros(now);
                    let existing = tx
                        .query_opt(
                            &format!(
                                "SELECT {RUN_COLUMNS} FROM job_runs WHERE job = ?1 AND period = ?2 FOR UPDATE"
                            ),
                            p![&job, &period],
                        )
                        .await?;
                    match existing {
                        None => {
                            let id = tx
                                .insert_returning_id(
                                    "INSERT INTO job_runs (job, period, status, trigger, instance, started_at)
                                     VALUES (?1, ?2, 'running', ?3, ?4, ?5) RETURNING id",
                                    p![&job, &period, trigger.as_str(), &instance, now_us],
                                )
                                .await?;
                            Ok(Claim::Claimed(id))
                        }
                        Some(r) => {
                            let run = run_of(&r)?;
                            let abandoned =
                                run.status == RunStatus::Running && run.started_at < stale_before;
                            if run.status == RunStatus::Failed || abandoned {
                                tx.execute(
                                    "UPDATE job_runs SET status = 'running', trigger = ?1, instance = ?2,
                                       attempts = attempts + 1, started_at = ?3, finished_at = NULL,
                                       duration_ms = NULL, summary = NULL, error = NULL WHERE id = ?4",
                                    p![trigger.as_str(), &instance, now_us, run.id],
                                )
                                .await?;
                                Ok(Claim::Claimed(run.id))
                            } else {
                                Ok(Claim::Taken(run))
                            }
                        }
                    }
                })
            })
            .await
    }

    async fn finish_run(
        &self,
        run: i64,
        outcome: Result<Vec<(String, u64)>, String>,
        now: DateTime<Utc>,
    ) -> StorageResult<JobRun> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let started: i64 = tx
                        .scalar_opt("SELECT started_at FROM job_runs WHERE id = ?1", p![run])
                        .await?
                        .ok_or_else(|| StorageError::NotFound(crate::problem::Problem::new("job_run_not_found").with("id", run)))?;
                    let now_us = sql::micros(now);
                    let duration_ms = (now_us - started).max(0) / 1000;
                    let (status, summary, error) = match &outcome {
                        Ok(counts) => {
                            let map: serde_json::Map<String, serde_json::Value> = counts
                                .iter()
                                .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
                                .collect();
                            ("ok", Some(sql::json(&map)?), None)
                        }
                        Err(e) => ("failed", None, Some(e.as_str())),
                    };
                    tx.execute(
                        "UPDATE job_runs SET status = ?1, finished_at = ?2, duration_ms = ?3, summary = ?4, error = ?5
                         WHERE id = ?6",
                        p![status, now_us, duration_ms, summary.as_deref(), error, run],
                    )
                    .await?;
                    let r = tx
                        .query_one(
                            &format!("SELECT {RUN_COLUMNS} FROM job_runs WHERE id = ?1"),
                            p![run],
                        )
                        .await?;
                    run_of(&r)
                })
            })
            .await
    }

    async fn recent_runs(&self, job: &str, limit: u32) -> StorageResult<Vec<JobRun>> {
        let job = job.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {RUN_COLUMNS} FROM job_runs WHERE job = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2"
                        ),
                        p![&job, i64::from(limit)],
                        run_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_run(&self, job: &str, period: &str) -> StorageResult<Option<JobRun>> {
        let (job, period) = (job.to_string(), period.to_string());
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    match tx
                        .query_opt(
                            &format!(
                                "SELECT {RUN_COLUMNS} FROM job_runs WHERE job = ?1 AND period = ?2"
                            ),
                            p![&job, &period],
                        )
                        .await?
                    {
                        Some(r) => Ok(Some(run_of(&r)?)),
                        None => Ok(None),
                    }
                })
            })
            .await
    }

    async fn prune_sign_ins(
        &self,
        now: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> StorageResult<(u64, u64)> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sessions = tx
                        .execute(
                            "DELETE FROM dashboard_sessions WHERE expires_at <= ?1",
                            p![sql::micros(now)],
                        )
                        .await?;
                    let failures = tx
                        .execute(
                            "DELETE FROM login_failures WHERE at < ?1",
                            p![sql::micros(failures_before)],
                        )
                        .await?;
                    Ok((sessions, failures))
                })
            })
            .await
    }

    async fn prune_runs(
        &self,
        jobs: &[&str],
        ok_before: DateTime<Utc>,
        failed_before: DateTime<Utc>,
    ) -> StorageResult<(u64, u64)> {
        let jobs: Vec<String> = jobs.iter().map(|j| j.to_string()).collect();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (mut ok, mut failed) = (0, 0);
                    for job in &jobs {
                        ok += tx
                            .execute(
                                "DELETE FROM job_runs WHERE job = ?1 AND status = 'ok' AND started_at < ?2",
                                p![job.as_str(), sql::micros(ok_before)],
                            )
                            .await?;
                        failed += tx
                            .execute(
                                "DELETE FROM job_runs WHERE job = ?1 AND status = 'failed' AND started_at < ?2",
                                p![job.as_str(), sql::micros(failed_before)],
                            )
                            .await?;
                    }
                    Ok((ok, failed))
                })
            })
            .await
    }

    async fn chain_progress(&self) -> StorageResult<Vec<(TillId, u64, Option<String>, u64)>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, chain_verified_seq, chain_verified_hash, contiguous_seq FROM tills
                         WHERE last_seq > 0 ORDER BY id",
                        p![],
                        |r| {
                            Ok((
                                TillId(r.get(0)?),
                                sql::to_u64(r.get(1)?),
                                r.get(2)?,
                                sql::to_u64(r.get(3)?),
                            ))
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn chain_links(
        &self,
        till: TillId,
        after: u64,
        upto: u64,
        limit: u32,
    ) -> StorageResult<Vec<ChainLink>> {
        let (after, upto) = (
            sql::to_i64(after, "sequence")?,
            sql::to_i64(upto, "sequence")?,
        );
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT d.seq, d.hash, d.prev_hash, d.json,
                                (SELECT COUNT(*) FROM sales s WHERE s.document_id = d.id),
                                (SELECT COUNT(*) FROM sale_lines l WHERE l.document_id = d.id),
                                (SELECT COUNT(*) FROM sale_payments y WHERE y.document_id = d.id)
                         FROM documents d
                         WHERE d.till_id = ?1 AND d.seq > ?2 AND d.seq <= ?3 ORDER BY d.seq LIMIT ?4",
                        p![till.0, after, upto, i64::from(limit)],
                        |r| {
                            Ok(ChainLink {
                                seq: sql::to_u64(r.get(0)?),
                                hash: r.get(1)?,
                                prev_hash: r.get(2)?,
                                json: r.get(3)?,
                                sale_rows: SaleRowCounts {
                                    sales: sql::to_u64(r.get(4)?),
                                    lines: sql::to_u64(r.get(5)?),
                                    payments: sql::to_u64(r.get(6)?),
                                },
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn stray_sale_rows(&self) -> StorageResult<u64> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    let rows = tx
                        .query(
                            "SELECT (SELECT COUNT(*) FROM sales s
                                     WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = s.document_id))
                                  + (SELECT COUNT(*) FROM sale_lines l
                                     WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.document_id = l.document_id))
                                  + (SELECT COUNT(*) FROM sale_payments y
                                     WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.document_id = y.document_id))",
                            p![],
                        )
                        .await?;
                    Ok(rows
                        .first()
                        .map(|r| r.get::<i64>(0))
                        .transpose()?
                        .map_or(0, sql::to_u64))
                })
            })
            .await
    }

    async fn set_chain_verified(&self, till: TillId, seq: u64, hash: &str) -> StorageResult<()> {
        let (seq, hash) = (sql::to_i64(seq, "sequence")?, hash.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE tills SET chain_verified_seq = ?1, chain_verified_hash = ?2 WHERE id = ?3",
                        p![seq, &hash, till.0],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn raise_alert(
        &self,
        kind: &str,
        till: Option<TillId>,
        message: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let (kind, message) = (kind.to_string(), message.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let till = till.map(|t| t.0);
                    if tx
                        .exists(
                            "SELECT 1 FROM alerts WHERE kind = ?1 AND message = ?2 AND resolved_at IS NULL
                               AND (till_id = ?3 OR (till_id IS NULL AND CAST(?3 AS BIGINT) IS NULL))",
                            p![&kind, &message, till],
                        )
                        .await?
                    {
                        return Ok(false);
                    }
                    super::alerts_sql::insert(
                        tx,
                        &kind,
                        till,
                        None,
                        &message,
                        &serde_json::Value::Null,
                        sql::micros(now),
                        None,
                    )
                    .await?;
                    Ok(true)
                })
            })
            .await
    }
}
