//! What scheduled jobs need from storage: claiming a (job, period) run once across instances,
//! recording how it ended, and the data of the first jobs (pruning, the nightly chain check).

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::TillId;

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Schedule,
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Ok,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "ok" => Some(Self::Ok),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One run of a job for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub period: String,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub instance: String,
    pub attempts: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    /// What it did: counts by name (`{"sessions": 3}`), empty when it failed or is running.
    pub summary: Vec<(String, u64)>,
    pub error: Option<String>,
}

/// The outcome of trying to claim a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This instance runs it (the run's id).
    Claimed(i64),
    /// Another run holds the period: done already, or running elsewhere.
    Taken(JobRun),
}

/// A stored document as the chain check reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub seq: u64,
    pub hash: String,
    pub prev_hash: String,
    pub json: String,
    /// The report rows ingest wrote for it: its `sales` row (sales and refunds have one), how
    /// many `sale_lines` and `sale_payments` rows. Checked against the content by `verify-chains`.
    pub sale_rows: SaleRowCounts,
}

/// How many rows of each sale table hold a document (see [`ChainLink::sale_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaleRowCounts {
    pub sales: u64,
    pub lines: u64,
    pub payments: u64,
}

#[async_trait]
pub trait JobStorage: Send + Sync {
    /// Claims (job, period). A period already claimed is `Taken`, unless its run failed or was
    /// started before `stale_before` and never finished (an instance died): then it is claimed again.
    async fn claim_run(
        &self,
        job: &str,
        period: &str,
        trigger: Trigger,
        instance: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StorageResult<Claim>;
    /// Records how a claimed run ended: `Ok(summary)` or `Err(error)`.
    async fn finish_run(
        &self,
        run: i64,
        outcome: Result<Vec<(String, u64)>, String>,
        now: DateTime<Utc>,
    ) -> StorageResult<JobRun>;
    /// The newest runs of a job, newest first.
    async fn recent_runs(&self, job: &str, limit: u32) -> StorageResult<Vec<JobRun>>;
    async fn get_run(&self, job: &str, period: &str) -> StorageResult<Option<JobRun>>;

    /// Deletes sessions that expired before `now` and failed sign-ins older than `failures_before`;
    /// returns (sessions, failures) deleted.
    async fn prune_sign_ins(
        &self,
        now: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> StorageResult<(u64, u64)>;

    /// Deletes finished runs of `jobs` (the per-minute and hourly ones): successful runs that
    /// started before `ok_before`, failed ones that started before `failed_before`. A running run
    /// is never deleted. Returns (successful, failed) runs deleted.
    async fn prune_runs(
        &self,
        jobs: &[&str],
        ok_before: DateTime<Utc>,
        failed_before: DateTime<Utc>,
    ) -> StorageResult<(u64, u64)>;

    /// Every till that has stored documents: (till, verified up to seq, hash at that seq, contiguous seq).
    async fn chain_progress(&self) -> StorageResult<Vec<(TillId, u64, Option<String>, u64)>>;
    /// Documents of a till with `after < seq <= upto`, in order, at most `limit`.
    async fn chain_links(
        &self,
        till: TillId,
        after: u64,
        upto: u64,
        limit: u32,
    ) -> StorageResult<Vec<ChainLink>>;
    /// Report rows of sales whose parent is not stored: `sales` rows without their document,
    /// `sale_lines` and `sale_payments` rows without their `sales` row. Zero unless the database
    /// was written around HQ (PostgreSQL holds these rows without foreign keys, for ingest speed).
    async fn stray_sale_rows(&self) -> StorageResult<u64>;
    /// Records how far a till's chain is verified.
    async fn set_chain_verified(&self, till: TillId, seq: u64, hash: &str) -> StorageResult<()>;
    /// Raises an alert unless the same one (kind, till, message) is still open; returns whether it was raised.
    async fn raise_alert(
        &self,
        kind: &str,
        till: Option<TillId>,
        message: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
}
