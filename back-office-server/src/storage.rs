//! The one storage trait of the server and the records it speaks in.
//! Implementations: SQLite (`sqlite://`, the embedded default) and PostgreSQL (`postgres://`); the same test suite runs on both.

pub use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::barcode::VariableMeasureRule;
use sync_protocol::{
    BarcodeRuleRecord, ChangesPage, Document, FranchiseeId, Money, ProductId, PushResponse,
    StaffId, StaffRole, StoreId, TaxRate, TillId,
};
pub use trastienda_l10n::TimeZone;

/// Why a storage call failed. The HTTP layer maps these to 404 / 409 / 422 / 500; the problem's
/// code and words (in every language) say which.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(Problem),
    /// A uniqueness rule would break (duplicate SKU, barcode, NIF, …).
    #[error("{0}")]
    Conflict(Problem),
    /// The request is understood but not acceptable (unknown tax rate id, code expired, …).
    #[error("{0}")]
    Invalid(Problem),
    /// The database failed; details are logged, the message is generic.
    #[error("database error: {0}")]
    Backend(String),
}

impl StorageError {
    /// Why, for the three kinds a person can act on.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::NotFound(p) | Self::Conflict(p) | Self::Invalid(p) => Some(p),
            Self::Backend(_) => None,
        }
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// A till as identified by its device token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillAuth {
    pub till_id: TillId,
    pub store_id: StoreId,
    pub franchisee_id: FranchiseeId,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFranchisee {
    pub legal_name: String,
    /// Spanish NIF/CIF, already validated by the caller.
    pub nif: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Franchisee {
    pub id: FranchiseeId,
    pub legal_name: String,
    pub nif: String,
    pub address: String,
}

/// Fields of a franchisee to change; `None` leaves a field as it is. The NIF is validated by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FranchiseePatch {
    pub legal_name: Option<String>,
    pub nif: Option<String>,
    pub address: Option<String>,
}

/// The cash over/short a Z close accepts without a manager's approval, unless HQ sets another per store.
pub fn default_cash_tolerance() -> Money {
    Money::from_cents(500)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStore {
    pub franchisee_id: FranchiseeId,
    pub name: String,
    pub address: String,
    /// Lines printed under the legal header of every receipt (may be empty).
    pub receipt_header: String,
    pub receipt_footer: String,
    /// Validated by the caller: not negative.
    pub cash_tolerance: Money,
    /// The zone the store counts its business days and hours in.
    pub time_zone: TimeZone,
}

impl NewStore {
    /// A store with no receipt header or footer and the default tolerance.
    pub fn new(franchisee_id: FranchiseeId, name: &str, address: &str) -> Self {
        Self {
            franchisee_id,
            name: name.to_string(),
            address: address.to_string(),
            receipt_header: String::new(),
            receipt_footer: String::new(),
            cash_tolerance: default_cash_tolerance(),
            time_zone: TimeZone::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Store {
    pub id: StoreId,
    pub franchisee_id: FranchiseeId,
    pub name: String,
    pub address: String,
    pub receipt_header: String,
    pub receipt_footer: String,
    /// Cash over/short a Z close at this store's tills accepts without a manager's approval.
    pub cash_tolerance: Money,
    /// The zone the store counts its business days and hours in (Europe/Madrid by default).
    #[schema(value_type = String)]
    pub time_zone: TimeZone,
    /// Run by one manager: at the Z they may approve their own over/short (else a second
    /// manager's PIN is needed). False for a new store; changed with a patch.
    #[serde(default)]
    pub single_manager: bool,
    /// The store's e-mail address (none by default): where its tills' managers send X and Z
    /// reports unless they type another.
    #[serde(default)]
    pub report_email: Option<String>,
}

/// HQ's settings of a store to change; `None` leaves a field as it is. Validated by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorePatch {
    pub name: Option<String>,
    pub address: Option<String>,
    pub receipt_header: Option<String>,
    pub receipt_footer: Option<String>,
    pub cash_tolerance: Option<Money>,
    pub time_zone: Option<TimeZone>,
    pub single_manager: Option<bool>,
    /// `Some(None)` removes the address.
    pub report_email: Option<Option<String>>,
}

/// A till slot created by HQ, enrolled or waiting for its one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Till {
    pub id: TillId,
    pub store_id: StoreId,
    pub name: String,
    pub ticket_series: String,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Highest sequence stored with no gap before it.
    pub contiguous_seq: u64,
    /// Highest sequence stored at all.
    pub last_seq: u64,
    pub last_push_at: Option<DateTime<Utc>>,
    /// Sequence numbers missing below `last_seq`.
    pub open_gaps: u64,
    pub conflicts: u64,
    /// Documents the till last reported as still waiting in its outbox (`None` before its
    /// first report), and when it reported it.
    pub outbox_waiting: Option<u64>,
    pub outbox_reported_at: Option<DateTime<Utc>>,
    /// The till software's version as it last reported it (`None` before its first report or
    /// from a till too old to report), the catalog change kinds it skipped because it does not
    /// know them (non-empty: the till needs an update), and when it reported.
    pub software_version: Option<String>,
    pub skipped_change_kinds: Vec<String>,
    pub software_reported_at: Option<DateTime<Utc>>,
}

impl Till {
    /// The till skipped catalog changes it does not understand: its software must be updated.
    pub fn needs_update(&self) -> bool {
        !self.skipped_change_kinds.is_empty()
    }
}

/// What a till reported beside a push (validated by the caller), recorded with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReports {
    /// Documents still waiting in its outbox.
    pub waiting: Option<u64>,
    /// Its software version and the change kinds it skipped.
    pub software: Option<(String, Vec<String>)>,
}

/// What a successful enrolment hands back (the token itself is made by the caller and only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolledTill {
    pub till_id: TillId,
    pub store_id: StoreId,
    pub franchisee_id: FranchiseeId,
    pub ticket_series: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    pub name: String,
    pub role: StaffRole,
    pub store_id: StoreId,
    /// argon2 PHC string of the PIN; the PIN itself is never stored.
    pub pin_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub role: StaffRole,
    pub store_id: StoreId,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTaxRate {
    pub name: String,
    pub rate: TaxRate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    /// HQ's tax-inclusive price.
    pub price: Money,
    /// EAN-13/EAN-8/UPC-A codes, check digits already validated by the caller.
    pub barcodes: Vec<String>,
}

/// Fields of a product to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub tax_rate_id: Option<i64>,
    pub price: Option<Money>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub tax_rate: TaxRate,
    pub price: Money,
    pub active: bool,
    pub barcodes: Vec<String>,
}

/// How to group the sales report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportGroup {
    Store,
    Day,
    StoreDay,
}

/// One row of `GET /api/v1/reports/sales`. Refunds count negative in gross/net/tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesReportRow {
    pub store_id: Option<StoreId>,
    /// Business day in the franchise's time zone (Europe/Madrid by default).
    pub day: Option<NaiveDate>,
    pub tickets: u64,
    pub refunds: u64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
}

/// Something HQ must look at: a sync conflict, a sequence gap, a broken chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    /// `conflict`, `gap`, `chain_break`.
    pub kind: String,
    pub till_id: Option<TillId>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    /// The store a stock alert is about (no till).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
}

/// Everything the server keeps. Each catalog write also writes its change-log row(s) in the same transaction.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Cheap liveness check of the database (for `/healthz`).
    async fn ping(&self) -> StorageResult<()>;

    // --- HQ administrators -------------------------------------------------------------
    /// Creates an HQ admin with an API token (hash of it stored). Returns the admin id.
    async fn create_admin(&self, name: &str, token_hash: &str) -> StorageResult<i64>;
    async fn admin_count(&self) -> StorageResult<u64>;
    /// The admin owning this (hashed) API token, if any.
    async fn admin_by_token(&self, token_hash: &str) -> StorageResult<Option<i64>>;

    // --- franchisees and stores --------------------------------------------------------
    async fn create_franchisee(&self, f: &NewFranchisee) -> StorageResult<Franchisee>;
    async fn list_franchisees(&self) -> StorageResult<Vec<Franchisee>>;
    async fn get_franchisee(&self, id: FranchiseeId) -> StorageResult<Franchisee>;
    /// Changes a franchisee's legal data; a NIF of another franchisee is `Conflict`. Also writes a
    /// `Store` change for every store of the franchisee (their receipts carry the legal name and NIF).
    async fn update_franchisee(
        &self,
        id: FranchiseeId,
        patch: &FranchiseePatch,
    ) -> StorageResult<Franchisee>;
    /// Also writes a `Store` change for the tills of its stores.
    async fn create_store(&self, s: &NewStore) -> StorageResult<Store>;
    async fn list_stores(&self) -> StorageResult<Vec<Store>>;
    async fn get_store(&self, id: StoreId) -> StorageResult<Store>;
    /// Changes a store's name, address, receipt header/footer or cash tolerance and writes its `Store` change.
    async fn update_store(&self, id: StoreId, patch: &StorePatch) -> StorageResult<Store>;

    // --- tills ---------------------------------------------------------------------------
    /// Creates a till slot in a store with a one-time enrolment code (hash stored), valid until `code_expires_at`.
    async fn create_till(
        &self,
        store_id: StoreId,
        name: &str,
        code_hash: &str,
        code_expires_at: DateTime<Utc>,
    ) -> StorageResult<Till>;
    /// Consumes a one-time code: binds the device token hash to the till. A used, expired or unknown code is `Invalid`.
    /// With `enrolment_id_hash`, the enrolment is retryable: a code already used by an enrolment
    /// with the same id (and not expired, the till not revoked) binds the new token to that same
    /// till and returns it again, so a till whose answer was lost gets its identity on retry.
    async fn enroll_till(
        &self,
        code_hash: &str,
        enrolment_id_hash: Option<&str>,
        device_name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<EnrolledTill>;
    async fn till_by_token(&self, token_hash: &str) -> StorageResult<Option<TillAuth>>;
    async fn revoke_till(&self, till_id: TillId, now: DateTime<Utc>) -> StorageResult<()>;
    async fn list_tills(&self) -> StorageResult<Vec<Till>>;
    async fn get_till(&self, till_id: TillId) -> StorageResult<Till>;
    /// The change kinds the change log holds, each with the store it went to (`None`: every
    /// store), kept as changes are written (the Tills page flags tills too old for them).
    async fn change_log_kinds(&self) -> StorageResult<Vec<(Option<StoreId>, String)>>;
    /// Records how many documents a till reports still waiting in its outbox, reported at `at`.
    /// A report older than the one stored (a late request) changes nothing. Unknown till: `NotFound`.
    async fn report_outbox(
        &self,
        till_id: TillId,
        waiting: u64,
        at: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Records the software version and skipped change kinds a till reports at `at` (validated by
    /// the caller). An older report than the one stored changes nothing. Unknown till: `NotFound`.
    async fn report_software(
        &self,
        till_id: TillId,
        version: &str,
        skipped_kinds: &[String],
        at: DateTime<Utc>,
    ) -> StorageResult<()>;

    // --- staff ---------------------------------------------------------------------------
    async fn create_staff(&self, s: &NewStaff) -> StorageResult<Staff>;
    async fn list_staff(&self, store_id: Option<StoreId>) -> StorageResult<Vec<Staff>>;
    async fn set_staff_pin(&self, id: StaffId, pin_hash: &str) -> StorageResult<()>;
    async fn deactivate_staff(&self, id: StaffId) -> StorageResult<()>;

    // --- catalog -------------------------------------------------------------------------
    async fn create_tax_rate(&self, t: &NewTaxRate) -> StorageResult<sync_protocol::TaxRateRecord>;
    async fn list_tax_rates(&self) -> StorageResult<Vec<sync_protocol::TaxRateRecord>>;
    async fn create_product(&self, p: &NewProduct) -> StorageResult<Product>;
    /// Bulk creation in one transaction (demo seed, CSV import). All or nothing.
    async fn import_products(&self, ps: &[NewProduct]) -> StorageResult<u64>;
    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product>;
    async fn get_product(&self, id: ProductId) -> StorageResult<Product>;
    /// Products by id order, optionally filtered by a name/SKU/barcode substring.
    async fn list_products(
        &self,
        query: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StorageResult<Vec<Product>>;
    async fn add_barcode(&self, product_id: ProductId, code: &str) -> StorageResult<()>;
    async fn remove_barcode(&self, code: &str) -> StorageResult<()>;
    /// Sets (`Some`) or clears (`None`) a store's own price for a product.
    async fn set_store_price(
        &self,
        store_id: StoreId,
        product_id: ProductId,
        price: Option<Money>,
    ) -> StorageResult<()>;

    // --- GS1 variable-measure barcode rules (franchise-wide) ----------------------------
    /// Rules by id. Callers validate a rule (`VariableMeasureRule::validate`) before storing it.
    async fn list_barcode_rules(&self) -> StorageResult<Vec<BarcodeRuleRecord>>;
    /// Creates a rule and its `BarcodeRule` change for every store. A prefix already used is `Conflict`.
    async fn create_barcode_rule(
        &self,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord>;
    /// Replaces a rule (same id) and writes its change. Unknown id is `NotFound`.
    async fn update_barcode_rule(
        &self,
        id: i64,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord>;
    /// Deletes a rule and writes a `BarcodeRuleDeleted` change. Unknown id is `NotFound`.
    async fn delete_barcode_rule(&self, id: i64) -> StorageResult<()>;

    // --- sync ----------------------------------------------------------------------------
    /// Changes after `cursor` visible to a till of `store_id` (store prices, staff and store info of that store only).
    async fn changes_after(
        &self,
        store_id: StoreId,
        cursor: i64,
        limit: u32,
    ) -> StorageResult<ChangesPage>;
    /// Stores documents already checked by the caller (hash valid, body valid, till/store match the token)
    /// in one transaction: idempotent on document id and on (till, seq) forever; same hash → `Duplicate`;
    /// different hash → `Conflict` kept aside with an alert; gaps recorded and alerted; chain breaks alerted.
    async fn push(
        &self,
        till: &TillAuth,
        docs: &[Document],
        now: DateTime<Utc>,
    ) -> StorageResult<PushResponse> {
        self.push_with_reports(till, docs, now, &PushReports::default())
            .await
    }
    /// [`Storage::push`], recording in the same transaction what the till reported with it (its
    /// outbox and software, as [`Storage::report_outbox`] and [`Storage::report_software`] at
    /// `now`): one commit per push instead of three.
    async fn push_with_reports(
        &self,
        till: &TillAuth,
        docs: &[Document],
        now: DateTime<Utc>,
        reports: &PushReports,
    ) -> StorageResult<PushResponse>;

    // --- reports and alerts --------------------------------------------------------------
    /// Sales between two business days inclusive (Europe/Madrid), from synced sales and refunds.
    async fn sales_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        group: ReportGroup,
    ) -> StorageResult<Vec<SalesReportRow>>;
    async fn list_alerts(&self) -> StorageResult<Vec<Alert>>;

    /// Sign-in, sessions and report aggregates for the web dashboard.
    fn dashboard(&self) -> &dyn dashboard::DashboardStorage;

    /// HQ delivery notes (albaranes) and their receipt at the store.
    fn deliveries(&self) -> &dyn deliveries::DeliveryStorage;

    /// Scheduled job runs and the data of the housekeeping jobs.
    fn jobs(&self) -> &dyn jobs::JobStorage;

    /// VERI*FACTU records as the tills sent them (stored by `push`).
    fn verifactu(&self) -> &dyn verifactu::VerifactuStorage;

    /// Franchise contracts, HQ's issuer details and the invoices issued to franchisees.
    fn invoicing(&self) -> &dyn invoicing::InvoicingStorage;

    /// Inventory: stock per store and product (kept by `push`), stock cards, costs, reports.
    fn stock(&self) -> &dyn stock::StockStorage;

    /// Replenishment: suppliers, reorder rules, the inputs of suggested orders, stock alerts.
    fn replenish(&self) -> &dyn replenish::ReplenishStorage;

    /// Alerts as HQ handles them: figures, severity, acknowledge and resolve, the daily digest.
    fn alerts(&self) -> &dyn alerts::AlertStorage;
    /// People and access: users, staff changes, admin tokens, the product page, the audit log.
    fn people(&self) -> &dyn people::PeopleStorage;
    /// Collections: receivables, payments and allocations, bank statements, aging.
    fn collections(&self) -> &dyn collections::CollectionsStorage;

    /// SEPA direct debit: mandates, remittances (pain.008) and returns.
    fn sepa(&self) -> &dyn collections::SepaStorage;

    /// Dunning: levels, letters, franchisees on hold.
    fn dunning(&self) -> &dyn collections::DunningStorage;

    /// Purchase orders to suppliers and transfers between stores.
    fn purchasing(&self) -> &dyn purchasing::PurchasingStorage;

    /// Document custody: issued invoices, the tills' Z reports and delivery receipts, HQ's uploads.
    fn archive(&self) -> &dyn archive::ArchiveStorage;

    /// Quick keys for the tills: the franchise's layout and stores' own.
    fn quick_keys(&self) -> &dyn quick_keys::QuickKeyStorage;

    /// Customers and the e-mail the tills ask HQ to send.
    fn customers(&self) -> &dyn customers::CustomerStorage;
    /// Promotions and scheduled prices for the tills, and discounts per promotion.
    fn promotions(&self) -> &dyn promotions::PromotionStorage;
}

pub mod alerts;
mod alerts_sql;
pub mod archive;
pub mod archive_sql;
pub mod customers;
mod customers_sql;

pub mod collections;
mod collections_sql;
pub mod dashboard;
mod dashboard_sql;
pub mod db;
pub mod deliveries;
mod deliveries_sql;
mod ingest;
pub mod invoicing;
mod invoicing_sql;
pub mod jobs;
mod jobs_sql;
pub mod people;
mod people_sql;
pub mod postgres;
pub mod promotions;
mod promotions_sql;
pub mod purchasing;
mod purchasing_sql;
pub mod quick_keys;
mod quick_keys_sql;
pub mod reconcile;
pub mod replenish;
mod replenish_sql;
pub mod sql;
pub mod sql_storage;
pub mod sqlite;
pub mod stock;
mod stock_sql;
pub mod till_gate;
pub mod verifactu;
mod verifactu_sql;

pub use sql_storage::SqlStorage;

/// Opens the backend a database URL names and brings its schema up to date:
/// `sqlite://PATH` (relative or absolute; a bare path ending in `.db` also works) or `postgres://…` / `postgresql://…`.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Storage>, StorageError> {
    Ok(std::sync::Arc::new(open_sql(url).await?))
}

/// [`open`], keeping the concrete type (jobs and services that need the database handle).
pub async fn open_sql(url: &str) -> Result<SqlStorage, StorageError> {
    let url = url.trim();
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if path.is_empty() {
            return Err(StorageError::Invalid(Problem::new("database_url").with(
                "detail",
                "sqlite:// needs a file path, e.g. sqlite://data/trastienda.db",
            )));
        }
        let path = std::path::PathBuf::from(path);
        let db = tokio::task::spawn_blocking(move || sqlite::SqliteDb::open(&path))
            .await
            .map_err(|e| StorageError::Backend(format!("opening sqlite: {e}")))??;
        return SqlStorage::new(db::Db::Sqlite(db)).await;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let db = postgres::PostgresDb::open(url).await?;
        return SqlStorage::new(db::Db::Postgres(db)).await;
    }
    if !url.contains("://") && url.ends_with(".db") {
        return Box::pin(open_sql(&format!("sqlite://{url}"))).await;
    }
    Err(StorageError::Invalid(Problem::new("database_url").with(
        "detail",
        format!(
            "unsupported database URL {:?}: use sqlite://PATH (or a path ending in .db), postgres://… or postgresql://…",
            postgres::redact_url(url)
        ),
    )))
}
