//! Replenishment on either backend: suppliers, rules, and the inputs of a store's suggestions.

use super::db::{Row, Tx};
use super::replenish::{
    CatalogProduct, FamilyRule, NewSupplier, ReplenishStorage, StockLevel, StoreInputs, StoreRule,
    Supplier,
};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use crate::services::stock as rules;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use sync_protocol::{FranchiseeId, Money, ProductId, Quantity, StoreId};

const SUPPLIER_COLUMNS: &str = "id, name, central, franchisee_id, email, lead_time_days, order_days, min_order_cents, language";

fn supplier_of(r: &Row) -> StorageResult<Supplier> {
    Ok(Supplier {
        id: r.get(0)?,
        name: r.get(1)?,
        central: r.get(2)?,
        franchisee_id: r.get::<Option<i64>>(3)?.map(FranchiseeId),
        email: r.get(4)?,
        lead_time_days: r.get(5)?,
        order_days: r.get(6)?,
        min_order: Money::from_cents(r.get(7)?),
        language: trastienda_l10n::Language::from_code(&r.get::<String>(8)?).unwrap_or_default(),
    })
}

fn q(v: Option<i64>) -> Option<Quantity> {
    v.map(Quantity::from_milli)
}

fn milli(v: Option<Quantity>) -> Option<i64> {
    v.map(Quantity::milli)
}

pub fn supplier_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("supplier_not_found").with("id", id))
}

async fn load_supplier(tx: &mut dyn Tx, id: i64) -> StorageResult<Supplier> {
    let r = tx
        .query_opt(
            &format!("SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE id = ?1"),
            p![id],
        )
        .await?
        .ok_or_else(|| supplier_not_found(id))?;
    supplier_of(&r)
}

async fn check_supplier_fields(tx: &mut dyn Tx, s: &NewSupplier, id: i64) -> StorageResult<()> {
    if let Some(f) = s.franchisee_id
        && !tx
            .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![f.0])
            .await?
    {
        return Err(StorageError::Invalid(
            Problem::new("franchisee_does_not_exist").with("id", f),
        ));
    }
    if tx
        .exists(
            "SELECT 1 FROM suppliers WHERE name = ?1 AND id <> ?2",
            p![&s.name, id],
        )
        .await?
    {
        return Err(StorageError::Conflict(
            Problem::new("supplier_name_taken").with("name", &s.name),
        ));
    }
    Ok(())
}

/// A supplier a store may order from: it exists and is franchise-wide or the store's franchisee's.
async fn check_supplier_for_store(tx: &mut dyn Tx, supplier: i64, store: i64) -> StorageResult<()> {
    let row = tx
        .query_opt(
            "SELECT s.franchisee_id, st.franchisee_id FROM suppliers s, stores st WHERE s.id = ?1 AND st.id = ?2",
            p![supplier, store],
        )
        .await?;
    let Some(row) = row else {
        return Err(StorageError::Invalid(
            Problem::new("supplier_does_not_exist").with("id", supplier),
        ));
    };
    let (own, store_f): (Option<i64>, i64) = (row.get(0)?, row.get(1)?);
    if own.is_some_and(|f| f != store_f) {
        return Err(StorageError::Invalid(
            Problem::new("supplier_other_franchisee")
                .with("supplier", supplier)
                .with("store", store),
        ));
    }
    Ok(())
}

fn store_rule_of(r: &Row) -> StorageResult<StoreRule> {
    Ok(StoreRule {
        store_id: StoreId(r.get(0)?),
        product_id: ProductId(r.get(1)?),
        supplier_id: r.get(2)?,
        reorder_point: q(r.get(3)?),
        par_level: q(r.get(4)?),
        pack: q(r.get(5)?),
        safety_days: r.get(6)?,
    })
}

#[async_trait]
impl ReplenishStorage for SqlStorage {
    async fn store_schedules(&self) -> StorageResult<Vec<super::replenish::StoreSchedule>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT store_id, job_hour, dead_stock_days FROM store_replenishment ORDER BY store_id",
                        p![],
                        |r| {
                            Ok(super::replenish::StoreSchedule {
                                store_id: StoreId(r.get(0)?),
                                job_hour: r.get(1)?,
                                dead_stock_days: r.get(2)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn set_store_schedule(&self, s: &super::replenish::StoreSchedule) -> StorageResult<()> {
        let s = *s;
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !super::sql_storage::exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.store_id.0)
                        .await?
                    {
                        return Err(StorageError::Invalid(
                            Problem::new("store_does_not_exist").with("id", s.store_id),
                        ));
                    }
                    tx.execute(
                        "INSERT INTO store_replenishment (store_id, job_hour, dead_stock_days) VALUES (?1, ?2, ?3)
                         ON CONFLICT (store_id) DO UPDATE SET job_hour = excluded.job_hour,
                           dead_stock_days = excluded.dead_stock_days",
                        p![s.store_id.0, s.job_hour, s.dead_stock_days],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn claim_store_run(
        &self,
        store: StoreId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "INSERT INTO replenishment_store_runs (store_id, business_day, ran_at) VALUES (?1, ?2, ?3)
                             ON CONFLICT (store_id, business_day) DO NOTHING",
                            p![store.0, &sql::day_text(day), sql::micros(now)],
                        )
                        .await?;
                    Ok(n == 1)
                })
            })
            .await
    }

    async fn create_supplier(
        &self,
        s: &NewSupplier,
        now: DateTime<Utc>,
    ) -> StorageResult<Supplier> {
        let s = s.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    check_supplier_fields(tx, &s, 0).await?;
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO suppliers (name, central, franchisee_id, email, lead_time_days, order_days,
                               min_order_cents, created_at, language) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                            p![
                                &s.name,
                                s.central,
                                s.franchisee_id.map(|f| f.0),
                                &s.email,
                                s.lead_time_days,
                                &s.order_days,
                                s.min_order.cents(),
                                sql::micros(now),
                                s.language.code()
                            ],
                        )
                        .await?;
                    load_supplier(tx, id).await
                })
            })
            .await
    }

    async fn update_supplier(&self, id: i64, s: &NewSupplier) -> StorageResult<Supplier> {
        let s = s.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    load_supplier(tx, id).await?;
                    check_supplier_fields(tx, &s, id).await?;
                    tx.execute(
                        "UPDATE suppliers SET name = ?1, central = ?2, franchisee_id = ?3, email = ?4,
                           lead_time_days = ?5, order_days = ?6, min_order_cents = ?7, language = ?9 WHERE id = ?8",
                        p![
                            &s.name,
                            s.central,
                            s.franchisee_id.map(|f| f.0),
                            &s.email,
                            s.lead_time_days,
                            &s.order_days,
                            s.min_order.cents(),
                            id,
                            s.language.code()
                        ],
                    )
                    .await?;
                    load_supplier(tx, id).await
                })
            })
            .await
    }

    async fn list_suppliers(&self) -> StorageResult<Vec<Supplier>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {SUPPLIER_COLUMNS} FROM suppliers ORDER BY id"),
                        p![],
                        supplier_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_supplier(&self, id: i64) -> StorageResult<Supplier> {
        self.db
            .read(move |tx| Box::pin(async move { load_supplier(tx, id).await }))
            .await
    }

    async fn set_family_rule(&self, r: &FamilyRule) -> StorageResult<()> {
        let r = r.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !tx
                        .exists("SELECT 1 FROM suppliers WHERE id = ?1", p![r.supplier_id])
                        .await?
                    {
                        return Err(StorageError::Invalid(
                            Problem::new("supplier_does_not_exist").with("id", r.supplier_id),
                        ));
                    }
                    tx.execute(
                        "INSERT INTO replenishment_family_rules (family, supplier_id, reorder_point_milli, par_milli,
                           pack_milli, safety_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (family) DO UPDATE SET supplier_id = excluded.supplier_id,
                           reorder_point_milli = excluded.reorder_point_milli, par_milli = excluded.par_milli,
                           pack_milli = excluded.pack_milli, safety_days = excluded.safety_days",
                        p![
                            &r.family,
                            r.supplier_id,
                            milli(r.reorder_point),
                            milli(r.par_level),
                            r.pack.milli(),
                            r.safety_days
                        ],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn list_family_rules(&self) -> StorageResult<Vec<FamilyRule>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT family, supplier_id, reorder_point_milli, par_milli, pack_milli, safety_days
                         FROM replenishment_family_rules ORDER BY family",
                        p![],
                        |r| {
                            Ok(FamilyRule {
                                family: r.get(0)?,
                                supplier_id: r.get(1)?,
                                reorder_point: q(r.get(2)?),
                                par_level: q(r.get(3)?),
                                pack: Quantity::from_milli(r.get(4)?),
                                safety_days: r.get(5)?,
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn set_store_rules(&self, rules: &[StoreRule]) -> StorageResult<u64> {
        let rules = rules.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    for r in &rules {
                        if !tx
                            .exists("SELECT 1 FROM stores WHERE id = ?1", p![r.store_id.0])
                            .await?
                        {
                            return Err(StorageError::Invalid(
                                Problem::new("store_does_not_exist").with("id", r.store_id),
                            ));
                        }
                        if !tx
                            .exists("SELECT 1 FROM products WHERE id = ?1", p![r.product_id.0])
                            .await?
                        {
                            return Err(StorageError::Invalid(
                                Problem::new("product_does_not_exist").with("id", r.product_id),
                            ));
                        }
                        if let Some(s) = r.supplier_id {
                            check_supplier_for_store(tx, s, r.store_id.0).await?;
                        }
                        tx.execute(
                            "INSERT INTO replenishment_rules (store_id, product_id, supplier_id, reorder_point_milli,
                               par_milli, pack_milli, safety_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                             ON CONFLICT (store_id, product_id) DO UPDATE SET supplier_id = excluded.supplier_id,
                               reorder_point_milli = excluded.reorder_point_milli, par_milli = excluded.par_milli,
                               pack_milli = excluded.pack_milli, safety_days = excluded.safety_days",
                            p![
                                r.store_id.0,
                                r.product_id.0,
                                r.supplier_id,
                                milli(r.reorder_point),
                                milli(r.par_level),
                                milli(r.pack),
                                r.safety_days
                            ],
                        )
                        .await?;
                    }
                    Ok(rules.len() as u64)
                })
            })
            .await
    }

    async fn list_store_rules(&self, store: Option<StoreId>) -> StorageResult<Vec<StoreRule>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT store_id, product_id, supplier_id, reorder_point_milli, par_milli, pack_milli, safety_days
                         FROM replenishment_rules WHERE (CAST(?1 AS BIGINT) IS NULL OR store_id = ?1)
                         ORDER BY store_id, product_id",
                        p![store.map(|s| s.0)],
                        store_rule_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn raise_store_alert(
        &self,
        kind: &str,
        store: StoreId,
        message: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        let (kind, message) = (kind.to_string(), message.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    super::alerts_sql::insert(
                        tx,
                        &kind,
                        None,
                        Some(store.0),
                        &message,
                        &serde_json::Value::Null,
                        sql::micros(now),
                        None,
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn catalog(&self) -> StorageResult<Vec<CatalogProduct>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT p.id, p.sku, p.name, p.category, p.active, ps.cost_e4
                         FROM products p LEFT JOIN product_stock_settings ps ON ps.product_id = p.id",
                        p![],
                        |r| {
                            Ok(CatalogProduct {
                                product_id: ProductId(r.get(0)?),
                                sku: r.get(1)?,
                                name: r.get(2)?,
                                family: r.get(3)?,
                                active: r.get(4)?,
                                cost: r.get::<Option<i64>>(5)?.map(rules::cost_from_e4),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn store_inputs(
        &self,
        store: StoreId,
        since: NaiveDate,
        until: NaiveDate,
    ) -> StorageResult<StoreInputs> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let on_order = tx
                        .query_map(
                            "SELECT l.product_id, CAST(SUM(l.expected_milli - COALESCE(l.received_milli, 0)) AS BIGINT)
                             FROM delivery_note_lines l JOIN delivery_notes n ON n.id = l.note_id
                             WHERE n.store_id = ?1 AND n.status = 'pending' GROUP BY l.product_id",
                            p![store.0],
                            |r| Ok((ProductId(r.get(0)?), Quantity::from_milli(r.get(1)?))),
                        )
                        .await?;
                    let levels = tx
                        .query_map(
                            "SELECT product_id, on_hand_milli, avg_cost_e4, last_sale_at, last_move_at
                             FROM stock_levels WHERE store_id = ?1",
                            p![store.0],
                            |r| {
                                Ok(StockLevel {
                                    product_id: ProductId(r.get(0)?),
                                    on_hand: Quantity::from_milli(r.get(1)?),
                                    avg_cost: r.get::<Option<i64>>(2)?.map(rules::cost_from_e4),
                                    last_sale_at: sql::opt_from_micros(r.get(3)?),
                                    last_move_at: sql::from_micros(r.get(4)?),
                                })
                            },
                        )
                        .await?;
                    // The window's few days are known: look each row's day up instead of
                    // parsing the same 28 dates from text for every product sold.
                    let days: HashMap<String, NaiveDate> = since
                        .iter_days()
                        .take_while(|d| *d <= until)
                        .map(|d| (sql::day_text(d), d))
                        .collect();
                    let sales = tx
                        .query_map(
                            "SELECT product_id, business_day, quantity_milli FROM agg_product_day
                             WHERE store_id = ?1 AND business_day >= ?2 AND business_day <= ?3",
                            p![store.0, &sql::day_text(since), &sql::day_text(until)],
                            |r| {
                                let day: String = r.get(1)?;
                                Ok((
                                    ProductId(r.get(0)?),
                                    match days.get(&day) {
                                        Some(d) => *d,
                                        None => sql::parse_day(&day)?,
                                    },
                                    Quantity::from_milli(r.get(2)?),
                                ))
                            },
                        )
                        .await?;
                    let store_rules = tx
                        .query_map(
                            "SELECT store_id, product_id, supplier_id, reorder_point_milli, par_milli, pack_milli, safety_days
                             FROM replenishment_rules WHERE store_id = ?1",
                            p![store.0],
                            store_rule_of,
                        )
                        .await?;
                    Ok(StoreInputs {
                        levels,
                        on_order,
                        sales,
                        store_rules,
                    })
                })
            })
            .await
    }
}
