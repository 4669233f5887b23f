//! Promotions and scheduled prices (issue 17): the checks every promotion passes before it is
//! stored and sent to the tills (a family becomes its active products at that moment), ending
//! one early, scheduling a price and cancelling it before it is in force, and the discounts per
//! promotion of a period. Used by the dashboard page Promociones, the admin API and the reports.

use super::ServiceResult;
use crate::problem::Problem;
use crate::storage::promotions::{PromotionReportRow, StoredPriceSchedule, StoredPromotion};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::promotions::{MAX_NAME_CHARS, MAX_PRODUCTS, MAX_TAKE, PromotionError};
use sync_protocol::totals::MAX_UNIT_PRICE_CENTS;
use sync_protocol::{
    Money, PriceScheduleRecord, ProductId, PromotionRecord, PromotionRule, StoreId,
};

/// A promotion as HQ asks for it: a family or products (a bundle's components), the stores
/// (none: every store) and the days it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewPromotion {
    pub name: String,
    pub rule: PromotionRule,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub products: Vec<ProductId>,
    #[serde(default)]
    pub stores: Vec<StoreId>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A promotion's limits broken, as a problem a person can act on.
pub fn promotion_problem(e: &PromotionError) -> Problem {
    match e {
        PromotionError::BadName => Problem::new("promotion_bad_name").with("max", MAX_NAME_CHARS),
        PromotionError::BadProducts => {
            Problem::new("promotion_bad_products").with("max", MAX_PRODUCTS)
        }
        PromotionError::BundleTooSmall => Problem::new("promotion_bundle_too_small"),
        PromotionError::BadPercent => Problem::new("promotion_bad_percent"),
        PromotionError::BadNForM => Problem::new("promotion_bad_n_for_m").with("max", MAX_TAKE),
        PromotionError::BadBundlePrice => Problem::new("promotion_bad_bundle_price"),
        PromotionError::EndsBeforeStart => Problem::new("promotion_ends_before_start"),
    }
}

/// Where a promotion stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromotionStatus {
    Upcoming,
    Current,
    Ended,
}

impl PromotionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Current => "current",
            Self::Ended => "ended",
        }
    }
}

/// Current, upcoming or ended on `today` (HQ's calendar), given `now`.
pub fn status(p: &PromotionRecord, today: NaiveDate, now: DateTime<Utc>) -> PromotionStatus {
    if p.ended_at.is_some_and(|e| e <= now) || p.ends_on < today {
        PromotionStatus::Ended
    } else if p.starts_on > today {
        PromotionStatus::Upcoming
    } else {
        PromotionStatus::Current
    }
}

/// Checks and stores a promotion and sends it to the tills of its stores.
pub async fn create(
    storage: &dyn Storage,
    new: NewPromotion,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<StoredPromotion> {
    let mut products = new.products.clone();
    let family = new
        .family
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    if let Some(f) = &family {
        let catalog = storage.replenish().catalog().await?;
        let mut in_family: Vec<ProductId> = catalog
            .iter()
            .filter(|p| p.active && &p.family == f)
            .map(|p| p.product_id)
            .collect();
        if in_family.is_empty() {
            return Err(StorageError::Invalid(
                Problem::new("promotion_unknown_family").with("family", f),
            ));
        }
        in_family.sort();
        for p in in_family {
            if !products.contains(&p) {
                products.push(p);
            }
        }
    }
    if products.is_empty() {
        return Err(StorageError::Invalid(Problem::new("promotion_no_target")));
    }
    let mut stores = new.stores.clone();
    stores.sort();
    stores.dedup();
    let record = PromotionRecord {
        id: 0,
        name: new.name.trim().to_string(),
        rule: new.rule,
        products,
        family,
        stores,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        ended_at: None,
    };
    record
        .check()
        .map_err(|e| StorageError::Invalid(promotion_problem(&e)))?;
    storage
        .promotions()
        .create_promotion(&record, &new.products, by, now)
        .await
}

/// Ends a promotion now: the tills stop applying it as soon as they have the change.
pub async fn end(
    storage: &dyn Storage,
    id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<StoredPromotion> {
    storage.promotions().end_promotion(id, now).await
}

/// Discounts per promotion of business days `from..=to` in `stores` (all: `None`).
pub async fn report(
    storage: &dyn Storage,
    from: NaiveDate,
    to: NaiveDate,
    stores: Option<Vec<StoreId>>,
) -> ServiceResult<Vec<PromotionReportRow>> {
    super::reports::period(from, to).map_err(StorageError::Invalid)?;
    storage
        .promotions()
        .promotion_report(from, to, stores)
        .await
}

/// HQ's calendar day (Europe/Madrid). Stores in Spain are in Madrid's day or behind it (the
/// Canaries), so a date after it is in force nowhere yet.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    crate::storage::sql::business_day(now)
}

/// Schedules a product's price from `effective_on` (tomorrow at the earliest), franchise-wide
/// or in one store, and sends it to the tills ahead.
pub async fn schedule_price(
    storage: &dyn Storage,
    product: ProductId,
    store: Option<StoreId>,
    price: Money,
    effective_on: NaiveDate,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<StoredPriceSchedule> {
    if price.is_negative() || price.cents() > MAX_UNIT_PRICE_CENTS {
        return Err(StorageError::Invalid(Problem::new(
            "price_schedule_bad_price",
        )));
    }
    if effective_on <= today(now) {
        return Err(StorageError::Invalid(Problem::new("price_schedule_past")));
    }
    storage
        .promotions()
        .schedule_price(
            &PriceScheduleRecord {
                id: 0,
                product_id: product,
                store_id: store,
                price,
                effective_on,
            },
            by,
            now,
        )
        .await
}

/// Cancels a scheduled price not yet in force anywhere.
pub async fn cancel_price(
    storage: &dyn Storage,
    id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<StoredPriceSchedule> {
    storage
        .promotions()
        .cancel_price_schedule(id, today(now), now)
        .await
}

/// Moves HQ's price (or a store's price) to every scheduled price now in force in all the stores
/// it covers, and retires those schedules at the tills (the `apply-price-schedules` job, hourly,
/// so each store's local midnight is caught within the hour).
pub async fn apply_due_prices(
    storage: &dyn Storage,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<StoredPriceSchedule>> {
    storage.promotions().apply_due_price_schedules(now).await
}
