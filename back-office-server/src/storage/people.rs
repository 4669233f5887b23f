//! People and access: dashboard users (disable, role, stores, passwords, sessions), till staff
//! changes, HQ admin API tokens, the product page's full save, and the audit log every one of
//! these writes in its own transaction. The rules are in `services::people`.

use super::dashboard::{DashboardRole, NewDashboardUser};
use super::{NewProduct, NewStaff, Product, Staff, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{FranchiseeId, Money, ProductId, StaffId, StaffRole, StoreId};

/// One line of the audit log to write with a change: who did it, what kind of change, what it is
/// about, and what changed (before → after). Never a password, PIN or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The dashboard user who did it (`None`: the command line or an API token).
    pub actor_id: Option<i64>,
    /// Their user name, `cli:<os user>`, or `api-token:<token name>`.
    pub actor: String,
    /// What kind of change, e.g. `user.disable` (see `services::people::AUDIT_KINDS`).
    pub kind: String,
    /// What it is about, e.g. `user ana`.
    pub target: String,
    /// Before → after, in a few words.
    pub summary: String,
}

impl AuditEntry {
    /// The same actor, another change.
    pub fn with(&self, kind: &str, target: impl Into<String>, summary: impl Into<String>) -> Self {
        Self {
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            kind: kind.to_string(),
            target: target.into(),
            summary: summary.into(),
        }
    }
}

/// A line of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub kind: String,
    pub target: String,
    pub summary: String,
}

/// Which audit lines to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub kind: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

/// A dashboard user as the people page lists them (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: DashboardRole,
    pub stores: Vec<StoreId>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Unexpired sessions.
    pub sessions: u64,
    /// A franchisee user's franchisee.
    #[serde(default)]
    pub franchisee: Option<FranchiseeId>,
}

/// What the people page changes on a user (checked by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdit {
    pub display_name: String,
    pub role: DashboardRole,
    pub stores: Vec<StoreId>,
    /// Set for (and only for) the franchisee role.
    pub franchisee: Option<FranchiseeId>,
}

/// An HQ admin API token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A staff change: `None` leaves a field as it is. `pin_hash` is an argon2 PHC string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffEdit {
    pub role: Option<StaffRole>,
    pub active: Option<bool>,
    pub pin_hash: Option<String>,
}

/// What the product page keeps beside the till's record: the family (report category), sold by
/// unit or weighed, and HQ's unit cost in ten-thousandths of a euro (`None`: not set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductExtra {
    pub category: String,
    pub weighed: bool,
    pub cost_e4: Option<i64>,
}

/// Everything the product page saves on an existing product, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductEdit {
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub price: Money,
    pub active: bool,
    /// The product's barcodes after the save (added and removed ones reach the tills).
    pub barcodes: Vec<String>,
    pub extra: ProductExtra,
}

#[async_trait]
pub trait PeopleStorage: Send + Sync {
    // --- dashboard users ---
    async fn list_users(&self, now: DateTime<Utc>) -> StorageResult<Vec<UserInfo>>;
    /// `NotFound` (`user_not_found`) for an unknown id.
    async fn get_user(&self, id: i64, now: DateTime<Utc>) -> StorageResult<UserInfo>;
    /// Creates a user and its audit line; a taken name is a `Conflict`.
    async fn create_user(&self, u: &NewDashboardUser, a: &AuditEntry) -> StorageResult<i64>;
    /// Changes the display name, role and stores; taking the admin role from the last active
    /// admin is refused (`last_admin`).
    async fn update_user(&self, id: i64, e: &UserEdit, a: &AuditEntry) -> StorageResult<()>;
    /// Disables (ending every session) or enables a user; disabling the last active admin is
    /// refused (`last_admin`).
    async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<()>;
    /// Sets a password hash; ends every session of the user but `keep` (a session token hash).
    /// `must_change`: a one-time password, to be replaced at the next sign-in.
    async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep: Option<&str>,
        a: &AuditEntry,
    ) -> StorageResult<()>;
    /// Ends every session of a user; returns how many.
    async fn end_sessions(&self, id: i64, a: &AuditEntry) -> StorageResult<u64>;

    // --- admin API tokens ---
    async fn list_admin_tokens(&self) -> StorageResult<Vec<AdminToken>>;
    async fn create_admin_token(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<i64>;
    /// Revokes a token (already revoked: nothing changes); `NotFound` (`token_not_found`).
    async fn revoke_admin_token(
        &self,
        id: i64,
        now: DateTime<Utc>,
        a: &AuditEntry,
    ) -> StorageResult<()>;

    // --- till staff ---
    async fn get_staff(&self, id: StaffId) -> StorageResult<Staff>;
    async fn create_staff(&self, s: &NewStaff, a: &AuditEntry) -> StorageResult<Staff>;
    /// Changes a member of staff with its change-log row for the tills.
    async fn update_staff(
        &self,
        id: StaffId,
        e: &StaffEdit,
        a: &AuditEntry,
    ) -> StorageResult<Staff>;

    // --- products (the product page) ---
    async fn product_extra(&self, id: ProductId) -> StorageResult<ProductExtra>;
    async fn create_product(
        &self,
        p: &NewProduct,
        x: &ProductExtra,
        a: &AuditEntry,
    ) -> StorageResult<Product>;
    /// Saves every field at once; a taken SKU or barcode is a `Conflict` and nothing is stored.
    async fn save_product(
        &self,
        id: ProductId,
        e: &ProductEdit,
        a: &AuditEntry,
    ) -> StorageResult<Product>;
    /// The bulk price change with its audit line, all or nothing.
    async fn bulk_set_prices(
        &self,
        prices: &[(ProductId, Money)],
        a: &AuditEntry,
    ) -> StorageResult<u64>;

    // --- the audit log ---
    async fn audit(&self, f: &AuditFilter) -> StorageResult<Vec<AuditRecord>>;
    /// Every actor that appears in the log, by name.
    async fn audit_actors(&self) -> StorageResult<Vec<String>>;
}
