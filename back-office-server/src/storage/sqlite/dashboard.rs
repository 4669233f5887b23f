//! The dashboard's storage on SQLite: users, sessions, failed sign-ins, open alerts, reports,
//! and the aggregate upserts push runs inside its transaction.

use super::SqliteStorage;
use crate::storage::dashboard::{
    self as d, AggDelta, DashboardRole, DashboardStorage, DashboardUser, DimRow, NewDashboardUser,
    ReportDim, ReportSource,
};
use crate::storage::sql;
use crate::storage::{Alert, StorageError, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sync_protocol::{Document, DocumentKind, Money, ProductId, StoreId, TillId};

/// Writes one push's aggregate deltas (called inside the push transaction).
pub(super) fn apply_aggregates(c: &Connection, a: &AggDelta) -> StorageResult<()> {
    let mut st = c.prepare_cached(d::UPSERT_STORE_DAY)?;
    for ((day, store), v) in &a.store_day {
        st.execute(params![day, store, v[0], v[1], v[2], v[3], v[4]])?;
    }
    let mut st = c.prepare_cached(d::UPSERT_PRODUCT)?;
    for ((day, store, product), v) in &a.product {
        st.execute(params![day, store, product, v[0], v[1], v[2]])?;
    }
    let mut st = c.prepare_cached(d::UPSERT_PRODUCT_MONTH)?;
    for ((month, store, product), v) in &a.product_month {
        st.execute(params![month, store, product, v[0], v[1], v[2]])?;
    }
    let mut st = c.prepare_cached(d::UPSERT_TAX)?;
    for ((day, store, rate), v) in &a.tax {
        st.execute(params![day, store, rate, v[0], v[1]])?;
    }
    let mut st = c.prepare_cached(d::UPSERT_TENDER)?;
    for ((day, store, tender), v) in &a.tender {
        st.execute(params![day, store, tender, v[0], v[1]])?;
    }
    for (sql, map) in [(d::UPSERT_HOUR, &a.hour), (d::UPSERT_CASHIER, &a.cashier)] {
        let mut st = c.prepare_cached(sql)?;
        for ((day, store, k), v) in map {
            st.execute(params![day, store, k, v[0], v[1], v[2], v[3], v[4]])?;
        }
    }
    for (sql, map) in [
        (d::UPSERT_PRODUCT_ALL, &a.product_all),
        (d::UPSERT_PRODUCT_MONTH_ALL, &a.product_month_all),
    ] {
        let mut st = c.prepare_cached(sql)?;
        for ((period, product), v) in map {
            st.execute(params![period, product, v[0], v[1], v[2]])?;
        }
    }
    Ok(())
}

fn user_stores(c: &Connection, id: i64) -> StorageResult<Vec<StoreId>> {
    let mut st = c.prepare_cached(
        "SELECT store_id FROM dashboard_user_stores WHERE user_id = ?1 ORDER BY store_id",
    )?;
    let v = st
        .query_map([id], |r| Ok(StoreId(r.get(0)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_user(
    c: &Connection,
    (id, username, display_name, password_hash, role): (i64, String, String, String, String),
) -> StorageResult<DashboardUser> {
    let role = DashboardRole::parse(&role)
        .ok_or_else(|| StorageError::Backend(format!("unknown dashboard role {role:?}")))?;
    Ok(DashboardUser {
        id,
        username,
        display_name,
        password_hash,
        role,
        stores: user_stores(c, id)?,
    })
}

#[async_trait]
impl DashboardStorage for SqliteStorage {
    async fn create_dashboard_user(&self, u: &NewDashboardUser) -> StorageResult<i64> {
        let u = u.clone();
        self.write(move |tx| {
            if tx
                .prepare_cached("SELECT 1 FROM dashboard_users WHERE username = ?1")?
                .exists([&u.username])?
            {
                return Err(StorageError::Conflict(format!(
                    "a dashboard user named {:?} already exists",
                    u.username
                )));
            }
            tx.execute(
                "INSERT INTO dashboard_users (username, display_name, password_hash, role, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    u.username,
                    u.display_name,
                    u.password_hash,
                    u.role.as_str(),
                    sql::micros(Utc::now())
                ],
            )?;
            let id = tx.last_insert_rowid();
            for s in &u.stores {
                if !tx
                    .prepare_cached("SELECT 1 FROM stores WHERE id = ?1")?
                    .exists([s.0])?
                {
                    return Err(sql::store_not_found(s.0));
                }
                tx.execute(
                    "INSERT INTO dashboard_user_stores (user_id, store_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![id, s.0],
                )?;
            }
            Ok(id)
        })
        .await
    }

    async fn dashboard_user_by_name(&self, username: &str) -> StorageResult<Option<DashboardUser>> {
        let username = username.to_string();
        self.run(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT id, username, display_name, password_hash, role FROM dashboard_users WHERE username = ?1",
                )?
                .query_row([username], user_row)
                .optional()?;
            row.map(|r| to_user(c, r)).transpose()
        })
        .await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let (token_hash, csrf_token) = (token_hash.to_string(), csrf_token.to_string());
        self.write(move |tx| {
            // Expired sessions go on the way in, so the table does not grow forever.
            tx.execute(
                "DELETE FROM dashboard_sessions WHERE expires_at <= ?1",
                [sql::micros(now)],
            )?;
            tx.execute(
                "INSERT INTO dashboard_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    token_hash,
                    user_id,
                    csrf_token,
                    sql::micros(now),
                    sql::micros(expires_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<(DashboardUser, String)>> {
        let token_hash = token_hash.to_string();
        self.run(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, s.csrf_token
                     FROM dashboard_sessions s JOIN dashboard_users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                )?
                .query_row(params![token_hash, sql::micros(now)], |r| {
                    Ok((user_row(r)?, r.get::<_, String>(5)?))
                })
                .optional()?;
            row.map(|(u, csrf)| Ok((to_user(c, u)?, csrf))).transpose()
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        let token_hash = token_hash.to_string();
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM dashboard_sessions WHERE token_hash = ?1",
                [token_hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn record_login_failure(&self, keys: &[String], now: DateTime<Utc>) -> StorageResult<()> {
        let keys = keys.to_vec();
        self.write(move |tx| {
            for k in &keys {
                tx.execute(
                    "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
                    params![k, sql::micros(now)],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> StorageResult<u64> {
        let key = key.to_string();
        self.run(move |c| {
            let n: i64 = c
                .prepare_cached("SELECT COUNT(*) FROM login_failures WHERE key = ?1 AND at > ?2")?
                .query_row(params![key, sql::micros(since)], |r| r.get(0))?;
            Ok(sql::to_u64(n))
        })
        .await
    }

    async fn clear_login_failures(&self, key: &str) -> StorageResult<()> {
        let key = key.to_string();
        self.write(move |tx| {
            tx.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }

    async fn bulk_set_prices(&self, prices: &[(ProductId, Money)]) -> StorageResult<u64> {
        let prices = prices.to_vec();
        self.write(move |tx| {
            for (id, price) in &prices {
                let n = tx
                    .prepare_cached("UPDATE products SET price_cents = ?1 WHERE id = ?2")?
                    .execute(params![price.cents(), id.0])?;
                if n == 0 {
                    return Err(sql::product_not_found(id.0));
                }
                let product = super::load_product(tx, id.0)?;
                super::write_change(tx, sql::product_change(&product)?)?;
            }
            Ok(prices.len() as u64)
        })
        .await
    }

    async fn store_prices(&self, product: ProductId) -> StorageResult<Vec<(StoreId, Money)>> {
        self.run(move |c| {
            let mut st = c.prepare_cached(
                "SELECT store_id, price_cents FROM store_prices WHERE product_id = ?1 ORDER BY store_id",
            )?;
            let v = st
                .query_map([product.0], |r| {
                    Ok((StoreId(r.get(0)?), Money::from_cents(r.get(1)?)))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn open_alerts(&self) -> StorageResult<Vec<Alert>> {
        self.run(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, kind, till_id, message, created_at FROM alerts WHERE resolved_at IS NULL ORDER BY id",
            )?;
            let v = st
                .query_map([], |r| {
                    Ok(Alert {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        till_id: r.get::<_, Option<i64>>(2)?.map(TillId),
                        message: r.get(3)?,
                        created_at: sql::from_micros(r.get(4)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn report(
        &self,
        dim: ReportDim,
        from: NaiveDate,
        to: NaiveDate,
        source: ReportSource,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<DimRow>> {
        let q = d::report_sql(dim, source, false, stores);
        self.run(move |c| {
            let mut st = c.prepare_cached(&q)?;
            let v = st
                .query_map(
                    rusqlite::params_from_iter(d::report_params(dim, source, from, to)),
                    |r| {
                        Ok(d::dim_row(
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn set_product_category(&self, product: ProductId, category: &str) -> StorageResult<()> {
        let category = category.to_string();
        self.write(move |tx| {
            let n = tx.execute(d::SET_PRODUCT_CATEGORY, params![category, product.0])?;
            if n == 0 {
                return Err(sql::product_not_found(product.0));
            }
            Ok(())
        })
        .await
    }

    async fn set_product_categories(
        &self,
        categories: &[(ProductId, String)],
    ) -> StorageResult<()> {
        let categories = categories.to_vec();
        self.write(move |tx| {
            let mut st = tx.prepare_cached(d::SET_PRODUCT_CATEGORY)?;
            for (product, category) in &categories {
                if st.execute(params![category, product.0])? == 0 {
                    return Err(sql::product_not_found(product.0));
                }
            }
            Ok(())
        })
        .await
    }

    async fn product_category(&self, product: ProductId) -> StorageResult<String> {
        self.run(move |c| {
            c.prepare_cached(d::PRODUCT_CATEGORY)?
                .query_row([product.0], |r| r.get::<_, String>(0))
                .optional()?
                .ok_or_else(|| sql::product_not_found(product.0))
        })
        .await
    }

    async fn active_products(&self) -> StorageResult<Vec<(i64, String, String)>> {
        self.run(|c| {
            let mut st = c.prepare_cached(d::ACTIVE_PRODUCTS)?;
            let v = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn documents_of_kind(
        &self,
        kind: DocumentKind,
        from: NaiveDate,
        to: NaiveDate,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<Document>> {
        let (from, to) = (sql::day_text(from), sql::day_text(to));
        let q = d::documents_of_kind_sql(stores);
        let rows: Vec<String> = self
            .run(move |c| {
                let mut st = c.prepare_cached(&q)?;
                let v = st
                    .query_map(params![kind.as_str(), from, to], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(v)
            })
            .await?;
        rows.iter().map(|j| d::parse_document(j)).collect()
    }
}
