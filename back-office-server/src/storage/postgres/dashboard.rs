//! The dashboard's storage on PostgreSQL: users, sessions, failed sign-ins, open alerts, reports,
//! and the aggregate upserts push runs inside its transaction (one UNNEST statement per table).

use super::{PostgresStorage, Tx};
use crate::storage::dashboard::{
    self as d, AggDelta, DashboardRole, DashboardStorage, DashboardUser, DimRow, NewDashboardUser,
    ReportDim, ReportSource,
};
use crate::storage::sql;
use crate::storage::{Alert, StorageError, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sync_protocol::{Document, DocumentKind, Money, ProductId, StoreId, TillId};

/// Writes one push's aggregate deltas (called inside the push transaction). Keys are sorted, so
/// concurrent pushes lock the aggregate rows in the same order.
pub(super) async fn apply_aggregates(tx: &Tx<'_>, a: &AggDelta) -> StorageResult<()> {
    if !a.store_day.is_empty() {
        let days: Vec<&str> = a.store_day.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = a.store_day.keys().map(|k| k.1).collect();
        let col = |i: usize| a.store_day.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1, c2, c3, c4) = (col(0), col(1), col(2), col(3), col(4));
        tx.execute(
            &upsert_unnest(
                d::UPSERT_STORE_DAY,
                "TEXT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT",
            ),
            &[&days, &stores, &c0, &c1, &c2, &c3, &c4],
        )
        .await?;
    }
    if !a.product.is_empty() {
        let days: Vec<&str> = a.product.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = a.product.keys().map(|k| k.1).collect();
        let products: Vec<i64> = a.product.keys().map(|k| k.2).collect();
        let col = |i: usize| a.product.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1, c2) = (col(0), col(1), col(2));
        tx.execute(
            &upsert_unnest(
                d::UPSERT_PRODUCT,
                "TEXT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT",
            ),
            &[&days, &stores, &products, &c0, &c1, &c2],
        )
        .await?;
    }
    if !a.product_month.is_empty() {
        let months: Vec<&str> = a.product_month.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = a.product_month.keys().map(|k| k.1).collect();
        let products: Vec<i64> = a.product_month.keys().map(|k| k.2).collect();
        let col = |i: usize| a.product_month.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1, c2) = (col(0), col(1), col(2));
        tx.execute(
            &upsert_unnest(
                d::UPSERT_PRODUCT_MONTH,
                "TEXT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT",
            ),
            &[&months, &stores, &products, &c0, &c1, &c2],
        )
        .await?;
    }
    if !a.tax.is_empty() {
        let days: Vec<&str> = a.tax.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = a.tax.keys().map(|k| k.1).collect();
        let rates: Vec<i64> = a.tax.keys().map(|k| k.2).collect();
        let col = |i: usize| a.tax.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1) = (col(0), col(1));
        tx.execute(
            &upsert_unnest(d::UPSERT_TAX, "TEXT, BIGINT, BIGINT, BIGINT, BIGINT"),
            &[&days, &stores, &rates, &c0, &c1],
        )
        .await?;
    }
    if !a.tender.is_empty() {
        let days: Vec<&str> = a.tender.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = a.tender.keys().map(|k| k.1).collect();
        let tenders: Vec<&str> = a.tender.keys().map(|k| k.2.as_str()).collect();
        let col = |i: usize| a.tender.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1) = (col(0), col(1));
        tx.execute(
            &upsert_unnest(d::UPSERT_TENDER, "TEXT, BIGINT, TEXT, BIGINT, BIGINT"),
            &[&days, &stores, &tenders, &c0, &c1],
        )
        .await?;
    }
    for (sql, map) in [(d::UPSERT_HOUR, &a.hour), (d::UPSERT_CASHIER, &a.cashier)] {
        if map.is_empty() {
            continue;
        }
        let days: Vec<&str> = map.keys().map(|k| k.0.as_str()).collect();
        let stores: Vec<i64> = map.keys().map(|k| k.1).collect();
        let keys: Vec<i64> = map.keys().map(|k| k.2).collect();
        let col = |i: usize| map.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1, c2, c3, c4) = (col(0), col(1), col(2), col(3), col(4));
        tx.execute(
            &upsert_unnest(
                sql,
                "TEXT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT",
            ),
            &[&days, &stores, &keys, &c0, &c1, &c2, &c3, &c4],
        )
        .await?;
    }
    for (sql, map) in [
        (d::UPSERT_PRODUCT_ALL, &a.product_all),
        (d::UPSERT_PRODUCT_MONTH_ALL, &a.product_month_all),
    ] {
        if map.is_empty() {
            continue;
        }
        let periods: Vec<&str> = map.keys().map(|k| k.0.as_str()).collect();
        let products: Vec<i64> = map.keys().map(|k| k.1).collect();
        let col = |i: usize| map.values().map(|v| v[i]).collect::<Vec<i64>>();
        let (c0, c1, c2) = (col(0), col(1), col(2));
        tx.execute(
            &upsert_unnest(sql, "TEXT, BIGINT, BIGINT, BIGINT, BIGINT"),
            &[&periods, &products, &c0, &c1, &c2],
        )
        .await?;
    }
    Ok(())
}

/// Turns a one-row `VALUES (?1, …)` upsert into `SELECT * FROM UNNEST($1::T[], …)` over arrays.
fn upsert_unnest(upsert: &str, types: &str) -> String {
    let (head, rest) = upsert.split_once("VALUES (").unwrap_or((upsert, ""));
    let (_, tail) = rest.split_once(')').unwrap_or(("", rest));
    let arrays: Vec<String> = types
        .split(',')
        .enumerate()
        .map(|(i, t)| format!("${}::{}[]", i + 1, t.trim()))
        .collect();
    format!("{head}SELECT * FROM UNNEST({}){tail}", arrays.join(", "))
}

fn to_user(
    (id, username, display_name, password_hash, role): (i64, String, String, String, String),
    stores: Vec<StoreId>,
) -> StorageResult<DashboardUser> {
    let role = DashboardRole::parse(&role)
        .ok_or_else(|| StorageError::Backend(format!("unknown dashboard role {role:?}")))?;
    Ok(DashboardUser {
        id,
        username,
        display_name,
        password_hash,
        role,
        stores,
    })
}

impl PostgresStorage {
    async fn user_stores(&self, id: i64) -> StorageResult<Vec<StoreId>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT store_id FROM dashboard_user_stores WHERE user_id = $1 ORDER BY store_id",
                &[&id],
            )
            .await?
            .iter()
            .map(|r| StoreId(r.get(0)))
            .collect())
    }
}

type UserCols = (i64, String, String, String, String);

fn user_cols(r: &tokio_postgres::Row) -> UserCols {
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

#[async_trait]
impl DashboardStorage for PostgresStorage {
    async fn create_dashboard_user(&self, u: &NewDashboardUser) -> StorageResult<i64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if tx
            .query_opt(
                "SELECT 1 FROM dashboard_users WHERE username = $1",
                &[&u.username],
            )
            .await?
            .is_some()
        {
            return Err(StorageError::Conflict(format!(
                "a dashboard user named {:?} already exists",
                u.username
            )));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO dashboard_users (username, display_name, password_hash, role, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &u.username,
                    &u.display_name,
                    &u.password_hash,
                    &u.role.as_str(),
                    &sql::micros(Utc::now()),
                ],
            )
            .await?
            .get(0);
        for s in &u.stores {
            if tx
                .query_opt("SELECT 1 FROM stores WHERE id = $1", &[&s.0])
                .await?
                .is_none()
            {
                return Err(sql::store_not_found(s.0));
            }
            tx.execute(
                "INSERT INTO dashboard_user_stores (user_id, store_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, &s.0],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn dashboard_user_by_name(&self, username: &str) -> StorageResult<Option<DashboardUser>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT id, username, display_name, password_hash, role FROM dashboard_users WHERE username = $1",
                &[&username],
            )
            .await?;
        match row {
            Some(r) => {
                let cols = user_cols(&r);
                let stores = self.user_stores(cols.0).await?;
                Ok(Some(to_user(cols, stores)?))
            }
            None => Ok(None),
        }
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let c = self.client().await?;
        c.execute(
            "DELETE FROM dashboard_sessions WHERE expires_at <= $1",
            &[&sql::micros(now)],
        )
        .await?;
        c.execute(
            "INSERT INTO dashboard_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &token_hash,
                &user_id,
                &csrf_token,
                &sql::micros(now),
                &sql::micros(expires_at),
            ],
        )
        .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<(DashboardUser, String)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, s.csrf_token
                 FROM dashboard_sessions s JOIN dashboard_users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
                &[&token_hash, &sql::micros(now)],
            )
            .await?;
        match row {
            Some(r) => {
                let cols = user_cols(&r);
                let csrf: String = r.get(5);
                let stores = self.user_stores(cols.0).await?;
                Ok(Some((to_user(cols, stores)?, csrf)))
            }
            None => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "DELETE FROM dashboard_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
        Ok(())
    }

    async fn record_login_failure(&self, keys: &[String], now: DateTime<Utc>) -> StorageResult<()> {
        let c = self.client().await?;
        for k in keys {
            c.execute(
                "INSERT INTO login_failures (key, at) VALUES ($1, $2)",
                &[k, &sql::micros(now)],
            )
            .await?;
        }
        Ok(())
    }

    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> StorageResult<u64> {
        let n: i64 = self
            .client()
            .await?
            .query_one(
                "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2",
                &[&key, &sql::micros(since)],
            )
            .await?
            .get(0);
        Ok(sql::to_u64(n))
    }

    async fn clear_login_failures(&self, key: &str) -> StorageResult<()> {
        self.client()
            .await?
            .execute("DELETE FROM login_failures WHERE key = $1", &[&key])
            .await?;
        Ok(())
    }

    async fn bulk_set_prices(&self, prices: &[(ProductId, Money)]) -> StorageResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let mut changes = Vec::with_capacity(prices.len());
        for (id, price) in prices {
            let n = tx
                .execute(
                    "UPDATE products SET price_cents = $1 WHERE id = $2",
                    &[&price.cents(), &id.0],
                )
                .await?;
            if n == 0 {
                return Err(sql::product_not_found(id.0));
            }
            let product = super::load_product(&*tx, id.0).await?;
            changes.push(sql::product_change(&product)?);
        }
        super::write_changes(&tx, changes).await?;
        tx.commit().await?;
        Ok(prices.len() as u64)
    }

    async fn store_prices(&self, product: ProductId) -> StorageResult<Vec<(StoreId, Money)>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT store_id, price_cents FROM store_prices WHERE product_id = $1 ORDER BY store_id",
                &[&product.0],
            )
            .await?
            .iter()
            .map(|r| (StoreId(r.get(0)), Money::from_cents(r.get(1))))
            .collect())
    }

    async fn open_alerts(&self) -> StorageResult<Vec<Alert>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id, kind, till_id, message, created_at FROM alerts WHERE resolved_at IS NULL ORDER BY id",
                &[],
            )
            .await?
            .iter()
            .map(|r| Alert {
                id: r.get(0),
                kind: r.get(1),
                till_id: r.get::<_, Option<i64>>(2).map(TillId),
                message: r.get(3),
                created_at: sql::from_micros(r.get(4)),
            })
            .collect())
    }

    async fn report(
        &self,
        dim: ReportDim,
        from: NaiveDate,
        to: NaiveDate,
        source: ReportSource,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<DimRow>> {
        let q = d::pg(&d::report_sql(dim, source, true, stores));
        let params = d::report_params(dim, source, from, to);
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        Ok(self
            .client()
            .await?
            .query(&q, &refs)
            .await?
            .iter()
            .map(|r| {
                d::dim_row(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                )
            })
            .collect())
    }

    async fn set_product_category(&self, product: ProductId, category: &str) -> StorageResult<()> {
        let n = self
            .client()
            .await?
            .execute(&d::pg(d::SET_PRODUCT_CATEGORY), &[&category, &product.0])
            .await?;
        if n == 0 {
            return Err(sql::product_not_found(product.0));
        }
        Ok(())
    }

    async fn set_product_categories(
        &self,
        categories: &[(ProductId, String)],
    ) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let st = tx.prepare(&d::pg(d::SET_PRODUCT_CATEGORY)).await?;
        for (product, category) in categories {
            if tx.execute(&st, &[category, &product.0]).await? == 0 {
                return Err(sql::product_not_found(product.0));
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn product_category(&self, product: ProductId) -> StorageResult<String> {
        self.client()
            .await?
            .query_opt(&d::pg(d::PRODUCT_CATEGORY), &[&product.0])
            .await?
            .map(|r| r.get::<_, String>(0))
            .ok_or_else(|| sql::product_not_found(product.0))
    }

    async fn active_products(&self) -> StorageResult<Vec<(i64, String, String)>> {
        Ok(self
            .client()
            .await?
            .query(d::ACTIVE_PRODUCTS, &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    async fn documents_of_kind(
        &self,
        kind: DocumentKind,
        from: NaiveDate,
        to: NaiveDate,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<Document>> {
        let (from, to) = (sql::day_text(from), sql::day_text(to));
        self.client()
            .await?
            .query(
                &d::pg(&d::documents_of_kind_sql(stores)),
                &[&kind.as_str(), &from, &to],
            )
            .await?
            .iter()
            .map(|r| d::parse_document(r.get::<_, &str>(0)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn upserts_become_unnest_over_arrays() {
        let q = super::upsert_unnest(
            "INSERT INTO t (a, b) VALUES (?1, ?2) ON CONFLICT (a) DO UPDATE SET b = t.b + excluded.b",
            "TEXT, BIGINT",
        );
        assert_eq!(
            q,
            "INSERT INTO t (a, b) SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[]) ON CONFLICT (a) DO UPDATE SET b = t.b + excluded.b"
        );
    }
}
