//! Purchase orders to suppliers and transfers between stores (issue 13): the records and the trait.
//! Both travel to the store's tills as delivery notes (the flow the tills already know), so stock
//! moves when a till receives; the rules (who may do what, the PDF, the e-mail) are in
//! `services::purchasing`.

use super::StorageResult;
use super::deliveries::DeliveryNote;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{DeliveryNoteStatus, Money, ProductId, Quantity, StoreId};

/// A line to order (or move): product, quantity (> 0) and, for an order, its unit cost if known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineIn {
    pub product_id: ProductId,
    pub quantity: Quantity,
    #[serde(default)]
    pub unit_cost: Option<Decimal>,
}

/// A draft order to create. Validated by the caller (lines not empty, one per product, quantities
/// positive); the backend checks store, supplier (and that it may supply the store's franchisee)
/// and products again in its transaction (`Invalid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPurchaseOrder {
    pub store_id: StoreId,
    pub supplier_id: i64,
    /// `suggestion` or `manual`.
    pub source: String,
    pub lines: Vec<OrderLineIn>,
    pub created_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Approved,
    Discarded,
    Closed,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Discarded => "discarded",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Approved, Self::Discarded, Self::Closed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How much of an approved order has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receiving {
    /// Not approved yet (or discarded).
    None,
    /// Approved, nothing received yet.
    Open,
    /// Some lines (or part of one) received, the rest still open.
    Partly,
    /// Every line received in full (or more).
    Received,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub quantity: Quantity,
    pub unit_cost: Option<Decimal>,
    /// Received on the order's delivery notes so far.
    pub received: Quantity,
}

impl OrderLine {
    /// Ordered minus received, never below zero.
    pub fn outstanding(&self) -> Quantity {
        let o = self.quantity - self.received;
        if o.is_negative() { Quantity::ZERO } else { o }
    }
    pub fn value(&self) -> Money {
        Money::new(self.quantity.as_decimal() * self.unit_cost.unwrap_or_default())
    }
}

/// A delivery note an order or transfer travelled as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoteRef {
    pub id: i64,
    pub number: String,
    pub status: DeliveryNoteStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PurchaseOrder {
    pub id: i64,
    /// `PED-2026-000001`, from approval on.
    pub number: Option<String>,
    pub store_id: StoreId,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub supplier_email: String,
    /// The supplier's language: its PDF and e-mail are written in it.
    #[serde(default)]
    #[schema(value_type = String)]
    pub supplier_language: trastienda_l10n::Language,
    pub central: bool,
    pub status: OrderStatus,
    pub source: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub emailed_to: Option<String>,
    pub emailed_at: Option<DateTime<Utc>>,
    pub email_error: Option<String>,
    /// E-mails tried so far (sent or not).
    #[serde(default)]
    pub email_attempts: i64,
    /// When the `send-purchase-orders` job tries the failed e-mail again (`None`: nothing to retry,
    /// it was sent, or it was given up after the last attempt).
    #[serde(default)]
    pub email_next_at: Option<DateTime<Utc>>,
    /// The job that wrote this draft (`None`: a person made it): shown as an automatic draft.
    #[serde(default)]
    pub made_by_job: Option<String>,
    /// The last person who changed the lines, and when.
    #[serde(default)]
    pub edited_by: Option<String>,
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    pub lines: Vec<OrderLine>,
    pub notes: Vec<NoteRef>,
}

impl PurchaseOrder {
    pub fn total(&self) -> Money {
        self.lines.iter().map(OrderLine::value).sum()
    }

    pub fn receiving(&self) -> Receiving {
        if self.status != OrderStatus::Approved && self.status != OrderStatus::Closed {
            return Receiving::None;
        }
        let any = self.lines.iter().any(|l| !l.received.is_zero());
        let all = self.lines.iter().all(|l| l.outstanding().is_zero());
        match (any, all) {
            (_, true) => Receiving::Received,
            (true, false) => Receiving::Partly,
            (false, false) => Receiving::Open,
        }
    }

    /// A note of the order still waits for the store's receipt.
    pub fn note_pending(&self) -> bool {
        self.notes
            .iter()
            .any(|n| n.status == DeliveryNoteStatus::Pending)
    }
}

/// What [`PurchasingStorage::write_suggested_draft`] did, with the order's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobDraft {
    Created(i64),
    Replaced(i64),
    /// An open draft a person made or edited: left as it is.
    Left(i64),
}

impl JobDraft {
    /// The order's id, whatever was done.
    pub fn id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Replaced(id) | Self::Left(id) => id,
        }
    }
}

/// Which orders to list; `scope` `Some` limits them to those stores (a manager).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub store_id: Option<StoreId>,
    pub status: Option<OrderStatus>,
    pub scope: Option<Vec<StoreId>>,
}

/// A transfer to create (validated by the caller like an order's lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransfer {
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    pub lines: Vec<(ProductId, Quantity)>,
    pub created_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    Draft,
    InTransit,
    Received,
    ReceivedWithDifferences,
    Discarded,
}

impl TransferState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InTransit => "in_transit",
            Self::Received => "received",
            Self::ReceivedWithDifferences => "received_with_differences",
            Self::Discarded => "discarded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub quantity: Quantity,
    /// What the receiving till counted (once received).
    pub received: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    pub id: i64,
    /// `TR-2026-000001`, from dispatch on.
    pub number: Option<String>,
    pub from_store_id: StoreId,
    pub to_store_id: StoreId,
    pub state: TransferState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub dispatched_by: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub discarded_by: Option<String>,
    #[serde(default)]
    pub discarded_at: Option<DateTime<Utc>>,
    pub note: Option<NoteRef>,
    pub lines: Vec<TransferLine>,
}

#[async_trait]
pub trait PurchasingStorage: Send + Sync {
    async fn create_purchase_order(
        &self,
        o: &NewPurchaseOrder,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder>;
    /// Unknown id: `NotFound`.
    async fn get_purchase_order(&self, id: i64) -> StorageResult<PurchaseOrder>;
    /// Newest first.
    async fn list_purchase_orders(&self, f: &OrderFilter) -> StorageResult<Vec<PurchaseOrder>>;
    /// Replaces a draft's lines, recording `by` as its last editor (not a draft: `Conflict`;
    /// unknown product: `Invalid`).
    async fn set_order_lines(
        &self,
        id: i64,
        lines: &[OrderLineIn],
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder>;
    /// A suggested order's draft for `o`'s store and supplier, in one transaction under the
    /// purchasing lock, so a store has at most one open draft per supplier from suggestions: no open
    /// draft for them yet, a new one (made by `job` when a job writes it, `None` for a person's
    /// button); an open draft a job made that nobody has edited, its lines replaced; any other open
    /// draft (a person's, or edited), left as it is.
    async fn write_suggested_draft(
        &self,
        o: &NewPurchaseOrder,
        job: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<JobDraft>;
    /// Discards the open drafts of `store` that `job` made and nobody edited, for suppliers not in
    /// `keep` (their suggestion is now empty); returns how many.
    async fn discard_stale_job_drafts(
        &self,
        store: StoreId,
        keep: &[i64],
        job: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<u64>;
    /// Discards a draft (`Conflict` otherwise).
    async fn discard_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder>;
    /// Approves a draft in one transaction: its gapless number, and the delivery note the store's
    /// tills receive against. Not a draft: `Conflict`.
    async fn approve_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<(PurchaseOrder, DeliveryNote)>;
    /// Keeps the PDF made at approval.
    async fn set_order_pdf(&self, id: i64, pdf: &[u8]) -> StorageResult<()>;
    async fn order_pdf(&self, id: i64) -> StorageResult<Option<Vec<u8>>>;
    /// Records an e-mail attempt (one more attempt): `Ok(to)` sent, `Err(why)` not, to be tried
    /// again at `retry_at` (`None`: not again).
    async fn record_order_email(
        &self,
        id: i64,
        result: Result<String, String>,
        now: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> StorageResult<()>;
    /// Orders whose failed e-mail is due again at `now`, longest waiting first.
    async fn order_emails_due(&self, now: DateTime<Utc>, limit: u32) -> StorageResult<Vec<i64>>;
    /// A new delivery note for what is still outstanding of an approved, partly received order
    /// whose notes were all received (`Conflict` otherwise).
    async fn order_remainder_note(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<(PurchaseOrder, DeliveryNote)>;
    /// Closes an approved order: what is outstanding will not come (`Conflict` if not approved).
    async fn close_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder>;

    /// Stores of different franchisees, or one store twice, or an unknown store or product: `Invalid`.
    async fn create_transfer(&self, t: &NewTransfer, now: DateTime<Utc>)
    -> StorageResult<Transfer>;
    async fn get_transfer(&self, id: i64) -> StorageResult<Transfer>;
    /// Newest first; `scope` `Some`: transfers from or to those stores.
    async fn list_transfers(&self, scope: Option<&[StoreId]>) -> StorageResult<Vec<Transfer>>;
    /// Dispatches a draft in one transaction: its number, its goods out of the sending store's
    /// stock, its delivery note to the receiving store's tills at the sender's cost of each line
    /// (its weighted average, else HQ's cost), so the receipt averages it into the receiver's
    /// cost like any delivery at a cost. Not a draft: `Conflict`.
    async fn dispatch_transfer(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Transfer>;
    /// Discards a draft transfer (nothing moved yet). Not a draft: `Conflict`.
    async fn discard_transfer(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Transfer>;
}

/// `PED-2026-000001`.
pub fn order_number(year: i32, n: i64) -> String {
    format!("PED-{year}-{n:06}")
}

/// `TR-2026-000001`.
pub fn transfer_number(year: i32, id: i64) -> String {
    format!("TR-{year}-{id:06}")
}
