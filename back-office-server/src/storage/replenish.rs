//! Replenishment records: suppliers, the rules products are reordered by (family defaults, store
//! overrides) and what a store's suggested orders are computed from. The computation itself is in
//! `services::replenish`.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{FranchiseeId, Money, ProductId, Quantity, StoreId};

/// A supplier to create or replace. Validated by the caller (name 1–200 characters, order days,
/// lead time 0–365, minimum not negative); a franchisee that does not exist is `Invalid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSupplier {
    pub name: String,
    pub central: bool,
    pub franchisee_id: Option<FranchiseeId>,
    pub email: String,
    pub lead_time_days: i64,
    /// ISO weekdays, `1,3,5`.
    pub order_days: String,
    pub min_order: Money,
    /// The language its purchase orders (PDF and e-mail) are written in; Spanish unless set.
    #[serde(default)]
    pub language: trastienda_l10n::Language,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Supplier {
    pub id: i64,
    pub name: String,
    pub central: bool,
    pub franchisee_id: Option<FranchiseeId>,
    pub email: String,
    pub lead_time_days: i64,
    pub order_days: String,
    pub min_order: Money,
    #[serde(default)]
    #[schema(value_type = String)]
    pub language: trastienda_l10n::Language,
}

/// A family's default rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRule {
    pub family: String,
    pub supplier_id: i64,
    pub reorder_point: Option<Quantity>,
    pub par_level: Option<Quantity>,
    pub pack: Quantity,
    pub safety_days: i64,
}

/// A store's own rule for a product: `None` fields fall back to the family's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRule {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub supplier_id: Option<i64>,
    pub reorder_point: Option<Quantity>,
    pub par_level: Option<Quantity>,
    pub pack: Option<Quantity>,
    pub safety_days: Option<i64>,
}

/// One product of a store as replenishment sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductPosition {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub family: String,
    pub on_hand: Quantity,
    /// Expected minus received on the store's pending delivery notes.
    pub on_order: Quantity,
    pub cost: Option<Decimal>,
}

/// A product as replenishment reads it: once per run, shared by every store's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProduct {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// Its category, which its family rule is found by.
    pub family: String,
    pub active: bool,
    /// HQ's cost; a store's own weighted average comes first where it has one.
    pub cost: Option<Decimal>,
}

/// A store's stock of one product, as the stock levels hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockLevel {
    pub product_id: ProductId,
    pub on_hand: Quantity,
    /// The store's weighted average cost, once a receipt at a cost arrived.
    pub avg_cost: Option<Decimal>,
    pub last_sale_at: Option<DateTime<Utc>>,
    pub last_move_at: DateTime<Utc>,
}

/// What a store's suggestions are computed from besides the catalog: numbers, one grouped read
/// each (no per-product query, no product text read again for every store).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreInputs {
    /// Every stock level of the store (a product with none has nothing on hand).
    pub levels: Vec<StockLevel>,
    /// Expected minus received on the store's pending delivery notes, per product.
    pub on_order: Vec<(ProductId, Quantity)>,
    /// Net units sold per product and business day over the forecast window.
    pub sales: Vec<(ProductId, NaiveDate, Quantity)>,
    pub store_rules: Vec<StoreRule>,
}

/// When a store's daily replenishment runs and what counts as dead stock there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSchedule {
    pub store_id: StoreId,
    /// Local hour (the store's time zone), 0–23.
    pub job_hour: i64,
    /// Stock on hand with no sale in this many days is dead (1–3650).
    pub dead_stock_days: i64,
}

#[async_trait]
pub trait ReplenishStorage: Send + Sync {
    /// The stores whose schedule was set (the others use the defaults).
    async fn store_schedules(&self) -> StorageResult<Vec<StoreSchedule>>;
    /// Sets a store's schedule (validated by the caller; unknown store: `Invalid`).
    async fn set_store_schedule(&self, s: &StoreSchedule) -> StorageResult<()>;
    /// Claims a store's run for its business day: `false` when it ran already (here or on another
    /// instance).
    async fn claim_store_run(
        &self,
        store: StoreId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StorageResult<bool>;
    async fn create_supplier(&self, s: &NewSupplier, now: DateTime<Utc>)
    -> StorageResult<Supplier>;
    /// Unknown id: `NotFound`; a name another supplier has: `Conflict`.
    async fn update_supplier(&self, id: i64, s: &NewSupplier) -> StorageResult<Supplier>;
    async fn list_suppliers(&self) -> StorageResult<Vec<Supplier>>;
    async fn get_supplier(&self, id: i64) -> StorageResult<Supplier>;
    /// Creates or replaces a family's rule; an unknown supplier is `Invalid`.
    async fn set_family_rule(&self, r: &FamilyRule) -> StorageResult<()>;
    async fn list_family_rules(&self) -> StorageResult<Vec<FamilyRule>>;
    /// Creates or replaces store rules, all or nothing: unknown store, product or supplier, or a
    /// supplier of another franchise, is `Invalid`.
    async fn set_store_rules(&self, rules: &[StoreRule]) -> StorageResult<u64>;
    /// Store rules, of one store or all.
    async fn list_store_rules(&self, store: Option<StoreId>) -> StorageResult<Vec<StoreRule>>;
    /// Raises a stock alert about a store (shown on the overview to HQ and the store's manager).
    async fn raise_store_alert(
        &self,
        kind: &str,
        store: StoreId,
        message: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Every product (active or not) with its family and HQ's cost, in no particular order.
    async fn catalog(&self) -> StorageResult<Vec<CatalogProduct>>;
    /// The inputs of one store's suggestions: sales from `since` to `until` inclusive.
    async fn store_inputs(
        &self,
        store: StoreId,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StorageResult<StoreInputs>;
}
