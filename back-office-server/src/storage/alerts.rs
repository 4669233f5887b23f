//! Alerts as HQ handles them: the figures each one is about (rendered in the reader's language by
//! `services::alerts`), its severity, who acknowledged and resolved it, and the daily digest's
//! recipients and the record of what was sent.

use super::StorageResult;
use crate::storage::dashboard::DashboardRole;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{StoreId, TillId};

/// How urgent an alert is, from its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The severity of an alert of `kind`: what threatens the ledger's integrity or the tax
    /// records is critical, what only informs is info, the rest a warning.
    pub fn of(kind: &str) -> Self {
        match kind {
            "conflict"
            | "chain_break"
            | "chain_verify"
            | "sale_rows_stray"
            | "z_mismatch"
            | "verifactu_rejected"
            | "verifactu_bad_hash"
            | "verifactu_chain_break"
            | "verifactu_mismatch"
            | "stock_negative" => Severity::Critical,
            "stock_below_reorder" | "stock_dead" => Severity::Info,
            _ => Severity::Warning,
        }
    }
}

/// Where an alert is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Nobody has looked at it yet.
    Open,
    /// Someone said they are on it; still not resolved.
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub const ALL: [AlertState; 3] = [
        AlertState::Open,
        AlertState::Acknowledged,
        AlertState::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An alert with everything the alerts page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    pub id: i64,
    pub kind: String,
    pub till_id: Option<TillId>,
    /// The store it is about: its own, or its till's.
    pub store_id: Option<StoreId>,
    /// English, written when it was raised (shown when there are no params).
    pub message: String,
    /// The figures (an object; `Null` on alerts raised before they were kept).
    pub params: serde_json::Value,
    pub severity: Severity,
    pub created_at: DateTime<Utc>,
    pub gap: Option<(i64, i64)>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Display name of who acknowledged it.
    pub acknowledged_by: Option<String>,
    pub acknowledge_note: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Display name of who resolved it; `None` with `resolved_at` set: the server did.
    pub resolved_by: Option<String>,
    pub resolve_note: Option<String>,
}

impl AlertRecord {
    pub fn state(&self) -> AlertState {
        if self.resolved_at.is_some() {
            AlertState::Resolved
        } else if self.acknowledged_at.is_some() {
            AlertState::Acknowledged
        } else {
            AlertState::Open
        }
    }
}

/// Which alerts to list. `scope` `Some` limits them to alerts of those stores (a manager: alerts
/// tied to no store are HQ's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// `None`: open and acknowledged (everything not resolved) when `any_state` is false.
    pub state: Option<AlertState>,
    pub any_state: bool,
    pub kind: Option<String>,
    pub store: Option<StoreId>,
    pub severity: Option<Severity>,
    pub scope: Option<Vec<StoreId>>,
    pub offset: u64,
    pub limit: u64,
}

/// A dashboard user who gets the daily digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecipient {
    pub user_id: i64,
    pub display_name: String,
    pub role: DashboardRole,
    pub stores: Vec<StoreId>,
    pub email: String,
    /// `es` or `en`.
    pub language: String,
    /// A franchisee user's franchisee (its digest adds that franchisee's collections notices).
    pub franchisee: Option<sync_protocol::FranchiseeId>,
}

/// A user's own digest settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestSettings {
    pub email: String,
    pub enabled: bool,
    pub language: String,
}

#[async_trait]
pub trait AlertStorage: Send + Sync {
    /// Raises an alert of `kind` with its figures, unless the same (kind, till, store, message)
    /// is open already. True when it was raised.
    #[allow(clippy::too_many_arguments)]
    async fn raise(
        &self,
        kind: &str,
        till: Option<TillId>,
        store: Option<StoreId>,
        message: &str,
        params: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// A page of alerts, newest first, and how many match in all.
    async fn alerts(&self, filter: &AlertFilter) -> StorageResult<(Vec<AlertRecord>, u64)>;
    async fn alert(&self, id: i64) -> StorageResult<Option<AlertRecord>>;
    /// The kinds of alert there have been (for the filter).
    async fn alert_kinds(&self) -> StorageResult<Vec<String>>;
    /// Marks an open alert acknowledged by `user`; a resolved one is a `Conflict`, an unknown one
    /// `NotFound`.
    async fn acknowledge(
        &self,
        id: i64,
        user: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<AlertRecord>;
    /// Resolves an alert (acknowledged or not); resolved already is a `Conflict`.
    async fn resolve(
        &self,
        id: i64,
        user: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<AlertRecord>;
    async fn digest_settings(&self, user: i64) -> StorageResult<DigestSettings>;
    async fn set_digest_settings(&self, user: i64, s: &DigestSettings) -> StorageResult<()>;
    /// Admins, managers and franchisee users with the digest on and an address (a franchisee
    /// user's stores: every store of its franchisee).
    async fn digest_recipients(&self) -> StorageResult<Vec<DigestRecipient>>;
    async fn digest_sent(&self, period: &str, user: i64) -> StorageResult<bool>;
    /// Records the digest of `period` sent to `user`; false when it was recorded already.
    async fn record_digest(
        &self,
        period: &str,
        user: i64,
        alerts: u64,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
}
