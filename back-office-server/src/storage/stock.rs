//! Inventory at HQ: the stock of every product per store (kept by `push` in its transaction, never
//! recomputed from history), the card of a product's movements (kardex), HQ's costs and families,
//! and the reports over them. The rules (what a document does, averages, cover) are in
//! `services::stock`; this is the records and the trait.

use super::StorageResult;
use crate::services::stock::MoveKind;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{Money, ProductId, Quantity, StaffId, StoreId, TillId};

/// Whether this build can store a push without keeping stock: only with the `bench-baseline`
/// feature, which exists so the ingest bench can measure what keeping stock costs. HQ's stock is
/// kept by every push, so the server's binary refuses to compile when this is true (a `const`
/// assertion in `back-office-server`'s `main`).
pub const STOCK_CAN_BE_SKIPPED: bool = cfg!(feature = "bench-baseline");

#[cfg(feature = "bench-baseline")]
static SKIP_STOCK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Benchmarks only (feature `bench-baseline`): from now on, pushes in this process store their
/// documents without applying them to stock (no stock moves, levels unchanged). See
/// [`STOCK_CAN_BE_SKIPPED`].
#[cfg(feature = "bench-baseline")]
pub fn bench_skip_stock(skip: bool) {
    SKIP_STOCK.store(skip, std::sync::atomic::Ordering::SeqCst);
}

/// Whether pushes skip stock (never, unless a bench asked for it).
pub(crate) fn stock_skipped() -> bool {
    #[cfg(feature = "bench-baseline")]
    {
        SKIP_STOCK.load(std::sync::atomic::Ordering::SeqCst)
    }
    #[cfg(not(feature = "bench-baseline"))]
    {
        false
    }
}

/// HQ's cost of a product, validated by the caller (`services::stock::parse_cost`); the product
/// must exist (`Invalid` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductStockIn {
    pub product_id: ProductId,
    pub cost: Decimal,
}

/// A product with its HQ cost and family (its category): every product of the catalog, set or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductStockInfo {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub family: String,
    pub cost: Option<Decimal>,
}

/// Which stock rows to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockFilter {
    /// `None`: every store.
    pub store_id: Option<StoreId>,
    /// A substring of the SKU or name (case-insensitive).
    pub query: Option<String>,
    pub family: Option<String>,
    /// Sales counted in `StockRow::sold` are those of business days from this one on.
    pub sales_since: NaiveDate,
}

/// A store's stock of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StockRow {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub family: String,
    pub on_hand: Quantity,
    /// The store's weighted average cost, else HQ's cost; `None` when neither is known.
    pub cost: Option<Decimal>,
    /// On hand × cost, to the cent (negative stock has a negative value).
    pub value: Money,
    pub last_sale_at: Option<DateTime<Utc>>,
    /// Sold (net of refunds) since the filter's `sales_since`.
    pub sold: Quantity,
}

/// A stock row without its text or sales: what the Existencias page totals and filters over
/// before it reads the rows of the page it shows ([`StockStorage::stock_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockKey {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub on_hand: Quantity,
    pub cost: Option<Decimal>,
    pub last_sale_at: Option<DateTime<Utc>>,
}

/// One line of a product's stock card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StockMove {
    pub id: i64,
    pub kind: MoveKind,
    pub at: DateTime<Utc>,
    pub business_day: NaiveDate,
    pub document_id: String,
    pub till_id: TillId,
    pub seq: i64,
    /// The document's own number (ticket, refund) when it has one.
    pub number: Option<String>,
    pub staff_id: Option<StaffId>,
    pub staff_name: Option<String>,
    pub delta: Quantity,
    pub balance: Quantity,
    /// For a count: what was on the shelf (the delta is the variance).
    pub counted: Option<Quantity>,
    pub unit_cost: Option<Decimal>,
    pub reason: Option<String>,
}

/// Stock value of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoreValuation {
    pub store_id: StoreId,
    /// Products with a stock row.
    pub products: u64,
    /// Products below zero.
    pub negative: u64,
    /// Products with stock and no cost known (valued at zero).
    pub without_cost: u64,
    pub value: Money,
}

/// Count variances or waste of one product (and, where the till knew, one person) over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShrinkRow {
    pub store_id: StoreId,
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub kind: MoveKind,
    pub staff_id: Option<StaffId>,
    pub staff_name: Option<String>,
    /// Signed: a count that found less than expected, and waste, are negative.
    pub quantity: Quantity,
    /// At the product's current cost.
    pub value: Money,
    pub lines: u64,
}

#[async_trait]
pub trait StockStorage: Send + Sync {
    /// Sets HQ's cost of products, all or nothing. An unknown product is `Invalid`.
    async fn set_product_stock(
        &self,
        rows: &[ProductStockIn],
        now: DateTime<Utc>,
    ) -> StorageResult<u64>;
    /// Every product of the catalog with its cost and family, by id.
    async fn product_stock(&self) -> StorageResult<Vec<ProductStockInfo>>;
    /// Families (product categories) in use, sorted.
    async fn families(&self) -> StorageResult<Vec<String>>;
    /// Stock rows by store and SKU.
    async fn stock(&self, f: &StockFilter) -> StorageResult<Vec<StockRow>>;
    /// The rows `f` matches (its `sales_since` unused), narrow, in [`StockStorage::stock`]'s
    /// order: a page of every store totals and filters over these and reads only its own rows.
    async fn stock_keys(&self, f: &StockFilter) -> StorageResult<Vec<StockKey>>;
    /// The rows of these (store, product) pairs, in the order given, with what each sold since
    /// `sales_since`; a pair with no stock row is left out.
    async fn stock_rows(
        &self,
        keys: &[(StoreId, ProductId)],
        sales_since: NaiveDate,
    ) -> StorageResult<Vec<StockRow>>;
    /// One product's stock in one store (`None` if it never moved there).
    async fn stock_row(
        &self,
        store: StoreId,
        product: ProductId,
        sales_since: NaiveDate,
    ) -> StorageResult<Option<StockRow>>;
    /// The last `limit` movements of a product in a store, oldest first.
    async fn stock_card(
        &self,
        store: StoreId,
        product: ProductId,
        limit: u32,
    ) -> StorageResult<Vec<StockMove>>;
    /// Stock value per store, by store id.
    async fn stock_valuation(&self) -> StorageResult<Vec<StoreValuation>>;
    /// Count variances and waste between two business days inclusive, per store, product, kind and person.
    async fn shrinkage(&self, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<ShrinkRow>>;
}
