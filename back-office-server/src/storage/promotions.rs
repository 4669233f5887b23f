//! Promotions and scheduled prices (issue 17): what HQ defines, kept whole as the tills receive
//! it (see [`sync_protocol::promotions`]), and the discounts per promotion the tills' sales report.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{Money, PriceScheduleRecord, ProductId, PromotionRecord, Quantity, StoreId};

/// A promotion as HQ keeps it: the record the tills get, who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredPromotion {
    pub promotion: PromotionRecord,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A scheduled price as HQ keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredPriceSchedule {
    pub schedule: PriceScheduleRecord,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When it moved HQ's price (franchise-wide) or the store's price, once in force in every
    /// store it covers, and was retired at the tills.
    #[serde(default)]
    pub applied_at: Option<DateTime<Utc>>,
}

/// What one promotion took off the sales of a period (refunds subtract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PromotionReportRow {
    pub promotion_id: i64,
    /// Its name at HQ (empty if HQ no longer knows the id a till sent).
    pub name: String,
    /// Sold lines it gave a discount to.
    pub lines: u64,
    pub units: Quantity,
    pub discount: Money,
}

#[async_trait]
pub trait PromotionStorage: Send + Sync {
    /// Stores a new promotion (its `id` is given here) and sends it to the tills of its stores
    /// (every till when it names none). An unknown product or store is `Invalid`/`NotFound`.
    /// `listed` are the products named by hand (the rest came from its family).
    async fn create_promotion(
        &self,
        p: &PromotionRecord,
        listed: &[ProductId],
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPromotion>;
    /// Every promotion, newest first.
    async fn promotions(&self) -> StorageResult<Vec<StoredPromotion>>;
    async fn promotion(&self, id: i64) -> StorageResult<StoredPromotion>;
    /// Ends a promotion at `at` and sends it again (the tills stop applying it then). One already
    /// over is `Invalid`.
    async fn end_promotion(&self, id: i64, at: DateTime<Utc>) -> StorageResult<StoredPromotion>;
    /// Discounts per promotion of the sales of business days `from..=to`, in `stores` (all when
    /// `None`).
    async fn promotion_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        stores: Option<Vec<StoreId>>,
    ) -> StorageResult<Vec<PromotionReportRow>>;

    /// Schedules a price (its `id` given here) and sends it to the tills ahead of its date.
    async fn schedule_price(
        &self,
        s: &PriceScheduleRecord,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPriceSchedule>;
    /// Scheduled prices, by date; cancelled ones too.
    async fn price_schedules(&self) -> StorageResult<Vec<StoredPriceSchedule>>;
    /// Cancels a scheduled price not yet in force (`today` is the earliest day any store may be
    /// in) and tells the tills. One in force, or already cancelled, is `Invalid`.
    async fn cancel_price_schedule(
        &self,
        id: i64,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPriceSchedule>;
    /// Applies every scheduled price in force at `now` in all the stores it covers (by each
    /// store's calendar), oldest first: a franchise-wide one becomes HQ's price, a store's one the
    /// store's price, each sent to the tills with the schedule's retirement in the same
    /// transaction (the till's price in force does not change). Answers what it applied.
    async fn apply_due_price_schedules(
        &self,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<StoredPriceSchedule>>;
}
