//! [`PromotionStorage`] over [`Tx`], written once for both backends.

use super::db::Tx;
use super::promotions::{
    PromotionReportRow, PromotionStorage, StoredPriceSchedule, StoredPromotion,
};
use super::sql::{self, ChangeRow};
use super::sql_storage::{SqlStorage, load_product, write_changes};
use super::{StorageError, StorageResult};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sync_protocol::verifactu::DEFAULT_TIME_ZONE;
use sync_protocol::{
    CatalogChange, Money, PriceScheduleRecord, ProductId, PromotionRecord, Quantity, StoreId,
};

fn bad_stored(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("a stored promotion cannot be read: {e}"))
}

fn not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("promotion_not_found").with("id", id))
}

async fn load(tx: &mut dyn Tx, id: i64) -> StorageResult<StoredPromotion> {
    let r = tx
        .query_opt(
            "SELECT record_json, created_by, created_at FROM promotions WHERE id = ?1",
            p![id],
        )
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(StoredPromotion {
        promotion: serde_json::from_str(&r.get::<String>(0)?).map_err(bad_stored)?,
        created_by: r.get(1)?,
        created_at: sql::from_micros(r.get(2)?),
    })
}

/// The change rows of a promotion: one for every till, or one per store it runs in.
fn promotion_changes(p: &PromotionRecord) -> StorageResult<Vec<ChangeRow>> {
    let c = CatalogChange::Promotion(p.clone());
    if p.stores.is_empty() {
        Ok(vec![ChangeRow::global(&c)?])
    } else {
        p.stores
            .iter()
            .map(|s| ChangeRow::for_store(s.0, &c))
            .collect()
    }
}

fn schedule_change(s: &PriceScheduleRecord, c: &CatalogChange) -> StorageResult<ChangeRow> {
    match s.store_id {
        Some(st) => ChangeRow::for_store(st.0, c),
        None => ChangeRow::global(c),
    }
}

const SCHEDULE_COLUMNS: &str = "id, product_id, store_id, price_cents, effective_on, created_by, created_at, cancelled_at, applied_at";

fn schedule_of(r: &super::db::Row) -> StorageResult<StoredPriceSchedule> {
    Ok(StoredPriceSchedule {
        schedule: PriceScheduleRecord {
            id: r.get(0)?,
            product_id: ProductId(r.get(1)?),
            store_id: r.get::<Option<i64>>(2)?.map(StoreId),
            price: Money::from_cents(r.get(3)?),
            effective_on: sql::parse_day(&r.get::<String>(4)?)?,
        },
        created_by: r.get(5)?,
        created_at: sql::from_micros(r.get(6)?),
        cancelled_at: r.get::<Option<i64>>(7)?.map(sql::from_micros),
        applied_at: r.get::<Option<i64>>(8)?.map(sql::from_micros),
    })
}

async fn load_schedule(tx: &mut dyn Tx, id: i64) -> StorageResult<StoredPriceSchedule> {
    let r = tx
        .query_opt(
            &format!("SELECT {SCHEDULE_COLUMNS} FROM price_schedules WHERE id = ?1"),
            p![id],
        )
        .await?
        .ok_or_else(|| {
            StorageError::NotFound(Problem::new("price_schedule_not_found").with("id", id))
        })?;
    schedule_of(&r)
}

/// A product's family changed from `old` to `new` ('' = none): the promotions of `new` not yet
/// over take it, those of `old` let it go unless it was named by hand, and each promotion that
/// changed is sent again to its tills. `today` is HQ's calendar day (a promotion that ended before
/// yesterday is left alone, whatever the store's zone).
pub(crate) async fn product_changed_family(
    tx: &mut dyn Tx,
    product: ProductId,
    old: &str,
    new: &str,
    today: NaiveDate,
) -> StorageResult<()> {
    if old == new {
        return Ok(());
    }
    let since = today.pred_opt().unwrap_or(today);
    let rows = tx
        .query_map(
            "SELECT id, record_json, listed_json FROM promotions
             WHERE ended_at IS NULL AND ends_on >= ?1 ORDER BY id",
            p![&sql::day_text(since)],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Option<String>>(2)?,
                ))
            },
        )
        .await?;
    for (id, json, listed) in rows {
        let mut promo: PromotionRecord = serde_json::from_str(&json).map_err(bad_stored)?;
        let Some(family) = promo.family.clone() else {
            continue;
        };
        let has = promo.products.contains(&product);
        let changed = if family == new && !has {
            promo.products.push(product);
            true
        } else if family == old && has {
            // Named by hand (or made before the list was kept): it stays.
            let listed: Option<Vec<ProductId>> = listed
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(bad_stored)?;
            let by_hand = listed.is_none_or(|l| l.contains(&product));
            if !by_hand {
                promo.products.retain(|p| *p != product);
            }
            !by_hand
        } else {
            false
        };
        if !changed {
            continue;
        }
        let json =
            serde_json::to_string(&promo).map_err(|e| StorageError::Backend(e.to_string()))?;
        tx.execute(
            "UPDATE promotions SET record_json = ?1 WHERE id = ?2",
            p![&json, id],
        )
        .await?;
        write_changes(tx, promotion_changes(&promo)?).await?;
    }
    Ok(())
}

#[async_trait]
impl PromotionStorage for SqlStorage {
    async fn create_promotion(
        &self,
        p: &PromotionRecord,
        listed: &[ProductId],
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPromotion> {
        let mut p = p.clone();
        let listed =
            serde_json::to_string(listed).map_err(|e| StorageError::Backend(e.to_string()))?;
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    for s in &p.stores {
                        if !tx.exists("SELECT 1 FROM stores WHERE id = ?1", p![s.0]).await? {
                            return Err(sql::store_not_found(s.0));
                        }
                    }
                    for (i, prod) in p.products.iter().enumerate() {
                        if !tx
                            .exists("SELECT 1 FROM products WHERE id = ?1", p![prod.0])
                            .await?
                        {
                            return Err(StorageError::Invalid(
                                Problem::new("promotion_unknown_product")
                                    .with("line", i + 1)
                                    .with("id", prod),
                            ));
                        }
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO promotions (name, kind, record_json, starts_on, ends_on, created_by, created_at)
                             VALUES (?1, ?2, '{}', ?3, ?4, ?5, ?6) RETURNING id",
                            p![
                                &p.name,
                                p.rule.kind(),
                                &sql::day_text(p.starts_on),
                                &sql::day_text(p.ends_on),
                                &by,
                                sql::micros(now)
                            ],
                        )
                        .await?;
                    p.id = id;
                    let json = serde_json::to_string(&p)
                        .map_err(|e| StorageError::Backend(e.to_string()))?;
                    tx.execute(
                        "UPDATE promotions SET record_json = ?1, listed_json = ?2 WHERE id = ?3",
                        p![&json, &listed, id],
                    )
                    .await?;
                    for s in &p.stores {
                        tx.execute(
                            "INSERT INTO promotion_stores (promotion_id, store_id) VALUES (?1, ?2)",
                            p![id, s.0],
                        )
                        .await?;
                    }
                    write_changes(tx, promotion_changes(&p)?).await?;
                    load(tx, id).await
                })
            })
            .await
    }

    async fn promotions(&self) -> StorageResult<Vec<StoredPromotion>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT record_json, created_by, created_at FROM promotions ORDER BY id DESC",
                        p![],
                        |r| {
                            Ok(StoredPromotion {
                                promotion: serde_json::from_str(&r.get::<String>(0)?)
                                    .map_err(bad_stored)?,
                                created_by: r.get(1)?,
                                created_at: sql::from_micros(r.get(2)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn promotion(&self, id: i64) -> StorageResult<StoredPromotion> {
        self.db
            .read(move |tx| Box::pin(async move { load(tx, id).await }))
            .await
    }

    async fn end_promotion(&self, id: i64, at: DateTime<Utc>) -> StorageResult<StoredPromotion> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let mut p = load(tx, id).await?.promotion;
                    if p.ended_at.is_some() {
                        return Err(StorageError::Invalid(
                            Problem::new("promotion_already_ended").with("id", id),
                        ));
                    }
                    p.ended_at = Some(at);
                    let json = serde_json::to_string(&p)
                        .map_err(|e| StorageError::Backend(e.to_string()))?;
                    tx.execute(
                        "UPDATE promotions SET record_json = ?1, ended_at = ?2 WHERE id = ?3",
                        p![&json, sql::micros(at), id],
                    )
                    .await?;
                    write_changes(tx, promotion_changes(&p)?).await?;
                    load(tx, id).await
                })
            })
            .await
    }

    async fn promotion_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        stores: Option<Vec<StoreId>>,
    ) -> StorageResult<Vec<PromotionReportRow>> {
        // Store ids are integers: written into the statement, like the other reports' scopes.
        let scope = match &stores {
            None => String::new(),
            Some(s) if s.is_empty() => " AND 1 = 0".into(),
            Some(s) => format!(
                " AND s.store_id IN ({})",
                s.iter()
                    .map(|x| x.0.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let q = format!(
            "SELECT l.promotion_id, COALESCE(MAX(pr.name), ''),
                    CAST(SUM(CASE WHEN s.kind = 'refund' THEN 0 ELSE 1 END) AS BIGINT),
                    CAST(SUM(CASE WHEN s.kind = 'refund' THEN -l.quantity_milli ELSE l.quantity_milli END) AS BIGINT),
                    CAST(SUM(CASE WHEN s.kind = 'refund' THEN -l.promotion_cents ELSE l.promotion_cents END) AS BIGINT)
             FROM sale_lines l
             JOIN sales s ON s.document_id = l.document_id
             LEFT JOIN promotions pr ON pr.id = l.promotion_id
             WHERE l.promotion_id <> 0 AND s.business_day >= ?1 AND s.business_day <= ?2{scope}
             GROUP BY l.promotion_id
             ORDER BY l.promotion_id"
        );
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let (from, to) = (sql::day_text(from), sql::day_text(to));
                    tx.query_map(&q, p![&from, &to], |r| {
                        Ok(PromotionReportRow {
                            promotion_id: r.get(0)?,
                            name: r.get(1)?,
                            lines: sql::to_u64(r.get(2)?),
                            units: Quantity::from_milli(r.get(3)?),
                            discount: Money::from_cents(r.get(4)?),
                        })
                    })
                    .await
                })
            })
            .await
    }

    async fn schedule_price(
        &self,
        s: &PriceScheduleRecord,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPriceSchedule> {
        let mut s = s.clone();
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(st) = s.store_id
                        && !tx.exists("SELECT 1 FROM stores WHERE id = ?1", p![st.0]).await?
                    {
                        return Err(sql::store_not_found(st.0));
                    }
                    if !tx
                        .exists("SELECT 1 FROM products WHERE id = ?1", p![s.product_id.0])
                        .await?
                    {
                        return Err(sql::product_not_found(s.product_id.0));
                    }
                    s.id = tx
                        .insert_returning_id(
                            "INSERT INTO price_schedules (product_id, store_id, price_cents, effective_on, created_by, created_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                            p![
                                s.product_id.0,
                                s.store_id.map(|x| x.0),
                                s.price.cents(),
                                &sql::day_text(s.effective_on),
                                &by,
                                sql::micros(now)
                            ],
                        )
                        .await?;
                    write_changes(
                        tx,
                        vec![schedule_change(&s, &CatalogChange::PriceSchedule(s.clone()))?],
                    )
                    .await?;
                    load_schedule(tx, s.id).await
                })
            })
            .await
    }

    async fn price_schedules(&self) -> StorageResult<Vec<StoredPriceSchedule>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {SCHEDULE_COLUMNS} FROM price_schedules ORDER BY effective_on, id"
                        ),
                        p![],
                        schedule_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn cancel_price_schedule(
        &self,
        id: i64,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredPriceSchedule> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let s = load_schedule(tx, id).await?;
                    if s.cancelled_at.is_some()
                        || s.applied_at.is_some()
                        || s.schedule.effective_on <= today
                    {
                        return Err(StorageError::Invalid(
                            Problem::new("price_schedule_in_force").with("id", id),
                        ));
                    }
                    tx.execute(
                        "UPDATE price_schedules SET cancelled_at = ?1 WHERE id = ?2",
                        p![sql::micros(now), id],
                    )
                    .await?;
                    write_changes(
                        tx,
                        vec![schedule_change(
                            &s.schedule,
                            &CatalogChange::PriceScheduleCancelled { id },
                        )?],
                    )
                    .await?;
                    load_schedule(tx, id).await
                })
            })
            .await
    }

    async fn apply_due_price_schedules(
        &self,
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<StoredPriceSchedule>> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let zones: Vec<(i64, Tz)> = tx
                        .query_map("SELECT id, time_zone FROM stores ORDER BY id", p![], |r| {
                            let zone: String = r.get(1)?;
                            Ok((r.get(0)?, zone.parse().unwrap_or(DEFAULT_TIME_ZONE)))
                        })
                        .await?;
                    let zone_of = |store: i64| {
                        zones
                            .iter()
                            .find(|(id, _)| *id == store)
                            .map_or(DEFAULT_TIME_ZONE, |(_, z)| *z)
                    };
                    // No store is past the latest local day of any store: a cheap first cut.
                    let latest_day = zones
                        .iter()
                        .map(|(_, z)| now.with_timezone(z).date_naive())
                        .chain(std::iter::once(
                            now.with_timezone(&DEFAULT_TIME_ZONE).date_naive(),
                        ))
                        .max()
                        .unwrap_or_else(|| now.date_naive());
                    let due = tx
                        .query_map(
                            &format!(
                                "SELECT {SCHEDULE_COLUMNS} FROM price_schedules
                                 WHERE cancelled_at IS NULL AND applied_at IS NULL AND effective_on <= ?1
                                 ORDER BY effective_on, id"
                            ),
                            p![&sql::day_text(latest_day)],
                            schedule_of,
                        )
                        .await?;
                    let mut applied = Vec::new();
                    for stored in due {
                        let s = &stored.schedule;
                        let in_force = match s.store_id {
                            Some(st) => s.in_force(now, zone_of(st.0)),
                            None if zones.is_empty() => s.in_force(now, DEFAULT_TIME_ZONE),
                            None => zones.iter().all(|(_, z)| s.in_force(now, *z)),
                        };
                        if !in_force {
                            continue;
                        }
                        // The new price first, then the schedule's retirement: a till that has
                        // read only the first still sells at the same price.
                        match s.store_id {
                            None => {
                                tx.execute(
                                    "UPDATE products SET price_cents = ?1 WHERE id = ?2",
                                    p![s.price.cents(), s.product_id.0],
                                )
                                .await?;
                                let product = load_product(tx, s.product_id.0).await?;
                                write_changes(tx, vec![sql::product_change(&product)?]).await?;
                            }
                            Some(st) => {
                                tx.execute(
                                    "INSERT INTO store_prices (store_id, product_id, price_cents) VALUES (?1, ?2, ?3)
                                     ON CONFLICT (store_id, product_id) DO UPDATE SET price_cents = excluded.price_cents",
                                    p![st.0, s.product_id.0, s.price.cents()],
                                )
                                .await?;
                                write_changes(
                                    tx,
                                    vec![sql::store_price_change(
                                        st.0,
                                        s.product_id.0,
                                        Some(s.price),
                                    )?],
                                )
                                .await?;
                            }
                        }
                        tx.execute(
                            "UPDATE price_schedules SET applied_at = ?1 WHERE id = ?2",
                            p![sql::micros(now), s.id],
                        )
                        .await?;
                        write_changes(
                            tx,
                            vec![schedule_change(
                                s,
                                &CatalogChange::PriceScheduleCancelled { id: s.id },
                            )?],
                        )
                        .await?;
                        applied.push(load_schedule(tx, s.id).await?);
                    }
                    Ok(applied)
                })
            })
            .await
    }
}
