//! The dashboard's storage on either backend: users, sessions, failed sign-ins, open alerts,
//! reports, and the aggregate upserts push runs inside its transaction.

use super::dashboard::{
    self as d, AggDelta, DashboardRole, DashboardStorage, DashboardUser, DimRow, NewDashboardUser,
    ReportDim, ReportSource,
};
use super::db::{BulkInsert, ColType, Dialect, Row, Tx, Value};
use super::sql_storage::{SqlStorage, exists, load_product, write_changes};
use super::{Alert, StorageError, StorageResult, sql};
use crate::p;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sync_protocol::{Document, DocumentKind, Money, ProductId, StoreId};

/// Writes one push's aggregate deltas (called inside the push transaction). Keys are sorted, so
/// concurrent pushes upsert rows in the same order (no deadlocks on PostgreSQL).
pub(crate) async fn apply_aggregates(tx: &mut dyn Tx, a: &AggDelta) -> StorageResult<()> {
    use ColType::{Int, Text};
    let i = Value::Int;
    fn t(s: &str) -> Value<'_> {
        Value::Text(s)
    }
    let rows: Vec<Vec<Value<'_>>> = a
        .store_day
        .iter()
        .map(|((day, store), v)| {
            vec![
                t(day),
                i(*store),
                i(v[0]),
                i(v[1]),
                i(v[2]),
                i(v[3]),
                i(v[4]),
            ]
        })
        .collect();
    let mut stmts = vec![BulkInsert {
        sql: d::UPSERT_STORE_DAY,
        types: &[Text, Int, Int, Int, Int, Int, Int],
        rows,
    }];
    for (q, map) in [
        (d::UPSERT_PRODUCT, &a.product),
        (d::UPSERT_PRODUCT_MONTH, &a.product_month),
    ] {
        let rows = map
            .iter()
            .map(|((period, store, product), v)| {
                vec![t(period), i(*store), i(*product), i(v[0]), i(v[1]), i(v[2])]
            })
            .collect();
        stmts.push(BulkInsert {
            sql: q,
            types: &[Text, Int, Int, Int, Int, Int],
            rows,
        });
    }
    let rows = a
        .tax
        .iter()
        .map(|((day, store, rate), v)| vec![t(day), i(*store), i(*rate), i(v[0]), i(v[1])])
        .collect();
    stmts.push(BulkInsert {
        sql: d::UPSERT_TAX,
        types: &[Text, Int, Int, Int, Int],
        rows,
    });
    let rows = a
        .tender
        .iter()
        .map(|((day, store, tender), v)| vec![t(day), i(*store), t(tender), i(v[0]), i(v[1])])
        .collect();
    stmts.push(BulkInsert {
        sql: d::UPSERT_TENDER,
        types: &[Text, Int, Text, Int, Int],
        rows,
    });
    for (q, map) in [(d::UPSERT_HOUR, &a.hour), (d::UPSERT_CASHIER, &a.cashier)] {
        let rows = map
            .iter()
            .map(|((day, store, k), v)| {
                vec![
                    t(day),
                    i(*store),
                    i(*k),
                    i(v[0]),
                    i(v[1]),
                    i(v[2]),
                    i(v[3]),
                    i(v[4]),
                ]
            })
            .collect();
        stmts.push(BulkInsert {
            sql: q,
            types: &[Text, Int, Int, Int, Int, Int, Int, Int],
            rows,
        });
    }
    for (q, map) in [
        (d::UPSERT_PRODUCT_ALL, &a.product_all),
        (d::UPSERT_PRODUCT_MONTH_ALL, &a.product_month_all),
    ] {
        let rows = map
            .iter()
            .map(|((period, product), v)| vec![t(period), i(*product), i(v[0]), i(v[1]), i(v[2])])
            .collect();
        stmts.push(BulkInsert {
            sql: q,
            types: &[Text, Int, Int, Int, Int],
            rows,
        });
    }
    // One round trip on PostgreSQL for the nine tables.
    tx.insert_many_all(&stmts).await?;
    Ok(())
}

/// What a user sees: a manager's assigned stores; a franchisee user's franchisee and every store it
/// runs now (a store opened later is seen at once); nothing for HQ roles (they see all).
pub async fn user_scope(
    tx: &mut dyn Tx,
    id: i64,
    role: DashboardRole,
) -> StorageResult<(Vec<StoreId>, Option<sync_protocol::FranchiseeId>)> {
    if role == DashboardRole::Franchisee {
        let f: Option<i64> = tx
            .query_opt(
                "SELECT franchisee_id FROM dashboard_users WHERE id = ?1",
                p![id],
            )
            .await?
            .map(|r| r.get::<Option<i64>>(0))
            .transpose()?
            .flatten();
        // A franchisee user without its franchisee sees nothing (stores: none).
        let Some(f) = f else {
            return Ok((Vec::new(), None));
        };
        let stores = tx
            .query_map(
                "SELECT id FROM stores WHERE franchisee_id = ?1 ORDER BY id",
                p![f],
                |r| Ok(StoreId(r.get(0)?)),
            )
            .await?;
        return Ok((stores, Some(sync_protocol::FranchiseeId(f))));
    }
    let stores = tx
        .query_map(
            "SELECT store_id FROM dashboard_user_stores WHERE user_id = ?1 ORDER BY store_id",
            p![id],
            |r| Ok(StoreId(r.get(0)?)),
        )
        .await?;
    Ok((stores, None))
}

async fn user_of(tx: &mut dyn Tx, r: &Row) -> StorageResult<DashboardUser> {
    let id: i64 = r.get(0)?;
    let role: String = r.get(4)?;
    let role = DashboardRole::parse(&role)
        .ok_or_else(|| StorageError::Backend(format!("unknown dashboard role {role:?}")))?;
    let (stores, franchisee) = user_scope(tx, id, role).await?;
    Ok(DashboardUser {
        id,
        username: r.get(1)?,
        display_name: r.get(2)?,
        password_hash: r.get(3)?,
        role,
        stores,
        must_change_password: r.get(5)?,
        franchisee,
    })
}

/// Sets a product's category (its family) and lets the family's promotions follow it.
async fn set_category(
    tx: &mut dyn Tx,
    product: ProductId,
    category: &str,
    today: NaiveDate,
) -> StorageResult<()> {
    let old: String = tx
        .scalar_opt(d::PRODUCT_CATEGORY, p![product.0])
        .await?
        .ok_or_else(|| sql::product_not_found(product.0))?;
    tx.execute(d::SET_PRODUCT_CATEGORY, p![category, product.0])
        .await?;
    super::promotions_sql::product_changed_family(tx, product, &old, category, today).await
}

#[async_trait]
impl DashboardStorage for SqlStorage {
    async fn create_dashboard_user(&self, u: &NewDashboardUser) -> StorageResult<i64> {
        let u = u.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if tx
                        .exists(
                            "SELECT 1 FROM dashboard_users WHERE username = ?1",
                            p![&u.username],
                        )
                        .await?
                    {
                        return Err(StorageError::Conflict(
                            crate::problem::Problem::new("user_name_taken").with("name", &u.username),
                        ));
                    }
                    if let Some(f) = u.franchisee
                        && !exists(tx, "SELECT 1 FROM franchisees WHERE id = ?1", f.0).await?
                    {
                        return Err(sql::franchisee_not_found(f.0));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO dashboard_users (username, display_name, password_hash, role, created_at, franchisee_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                            p![
                                &u.username,
                                &u.display_name,
                                &u.password_hash,
                                u.role.as_str(),
                                sql::micros(Utc::now()),
                                u.franchisee.map(|f| f.0)
                            ],
                        )
                        .await?;
                    for s in &u.stores {
                        if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.0).await? {
                            return Err(sql::store_not_found(s.0));
                        }
                        tx.execute(
                            "INSERT INTO dashboard_user_stores (user_id, store_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                            p![id, s.0],
                        )
                        .await?;
                    }
                    Ok(id)
                })
            })
            .await
    }

    async fn dashboard_user_by_name(&self, username: &str) -> StorageResult<Option<DashboardUser>> {
        let username = username.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let row = tx
                        .query_opt(
                            "SELECT id, username, display_name, password_hash, role, must_change_password FROM dashboard_users WHERE username = ?1 AND disabled_at IS NULL",
                            p![&username],
                        )
                        .await?;
                    match row {
                        Some(r) => Ok(Some(user_of(tx, &r).await?)),
                        None => Ok(None),
                    }
                })
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
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    // Expired sessions go on the way in, so the table does not grow forever.
                    tx.execute(
                        "DELETE FROM dashboard_sessions WHERE expires_at <= ?1",
                        p![sql::micros(now)],
                    )
                    .await?;
                    tx.execute(
                        "INSERT INTO dashboard_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        p![
                            &token_hash,
                            user_id,
                            &csrf_token,
                            sql::micros(now),
                            sql::micros(expires_at)
                        ],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<(DashboardUser, String)>> {
        let token_hash = token_hash.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let row = tx
                        .query_opt(
                            "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.must_change_password, s.csrf_token
                             FROM dashboard_sessions s JOIN dashboard_users u ON u.id = s.user_id
                             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL",
                            p![&token_hash, sql::micros(now)],
                        )
                        .await?;
                    match row {
                        Some(r) => {
                            let csrf: String = r.get(6)?;
                            Ok(Some((user_of(tx, &r).await?, csrf)))
                        }
                        None => Ok(None),
                    }
                })
            })
            .await
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        let token_hash = token_hash.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "DELETE FROM dashboard_sessions WHERE token_hash = ?1",
                        p![&token_hash],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn record_login_failure(&self, keys: &[String], now: DateTime<Utc>) -> StorageResult<()> {
        let keys = keys.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    for k in &keys {
                        tx.execute(
                            "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
                            p![k, sql::micros(now)],
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> StorageResult<u64> {
        let key = key.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let n: i64 = tx
                        .scalar(
                            "SELECT CAST(COUNT(*) AS BIGINT) FROM login_failures WHERE key = ?1 AND at > ?2",
                            p![&key, sql::micros(since)],
                        )
                        .await?;
                    Ok(sql::to_u64(n))
                })
            })
            .await
    }

    async fn clear_login_failures(&self, key: &str) -> StorageResult<()> {
        let key = key.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute("DELETE FROM login_failures WHERE key = ?1", p![&key])
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn begin_attempt(
        &self,
        keys: &[(String, d::Throttle)],
        now: DateTime<Utc>,
    ) -> StorageResult<Result<Vec<i64>, chrono::Duration>> {
        let keys = keys.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(super::db::locks::ATTEMPTS).await?;
                    let mut wait = chrono::Duration::zero();
                    for (key, throttle) in &keys {
                        let r = tx
                            .query_one(
                                "SELECT CAST(COUNT(*) AS BIGINT), MAX(at) FROM login_failures WHERE key = ?1 AND at > ?2",
                                p![key, sql::micros(now - throttle.window)],
                            )
                            .await?;
                        let n: i64 = r.get(0)?;
                        let last: Option<i64> = r.get(1)?;
                        wait = wait.max(throttle.wait(
                            sql::to_u64(n),
                            last.map(sql::from_micros),
                            now,
                        ));
                    }
                    if wait > chrono::Duration::zero() {
                        return Ok(Err(wait));
                    }
                    let mut rows = Vec::with_capacity(keys.len());
                    for (key, _) in &keys {
                        rows.push(
                            tx.insert_returning_id(
                                "INSERT INTO login_failures (key, at) VALUES (?1, ?2) RETURNING id",
                                p![key, sql::micros(now)],
                            )
                            .await?,
                        );
                    }
                    Ok(Ok(rows))
                })
            })
            .await
    }

    async fn attempt_succeeded(&self, rows: &[i64], clear: &[String]) -> StorageResult<()> {
        let (rows, clear) = (rows.to_vec(), clear.to_vec());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    for id in &rows {
                        tx.execute("DELETE FROM login_failures WHERE id = ?1", p![*id])
                            .await?;
                    }
                    for key in &clear {
                        tx.execute("DELETE FROM login_failures WHERE key = ?1", p![key])
                            .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn bulk_set_prices(&self, prices: &[(ProductId, Money)]) -> StorageResult<u64> {
        let prices = prices.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let mut changes = Vec::with_capacity(prices.len());
                    for (id, price) in &prices {
                        let n = tx
                            .execute(
                                "UPDATE products SET price_cents = ?1 WHERE id = ?2",
                                p![price.cents(), id.0],
                            )
                            .await?;
                        if n == 0 {
                            return Err(sql::product_not_found(id.0));
                        }
                        let product = load_product(tx, id.0).await?;
                        changes.push(sql::product_change(&product)?);
                    }
                    write_changes(tx, changes).await?;
                    Ok(prices.len() as u64)
                })
            })
            .await
    }

    async fn store_prices(&self, product: ProductId) -> StorageResult<Vec<(StoreId, Money)>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT store_id, price_cents FROM store_prices WHERE product_id = ?1 ORDER BY store_id",
                        p![product.0],
                        |r| Ok((StoreId(r.get(0)?), Money::from_cents(r.get(1)?))),
                    )
                    .await
                })
            })
            .await
    }

    async fn open_alerts(&self) -> StorageResult<Vec<Alert>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, kind, till_id, message, created_at, store_id FROM alerts WHERE resolved_at IS NULL ORDER BY id",
                        p![],
                        super::sql_storage::alert_row,
                    )
                    .await
                })
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
        let postgres = self.db.dialect() == Dialect::Postgres;
        let q = d::report_sql(dim, source, postgres, stores);
        let params = d::report_params(dim, source, from, to);
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let values: Vec<Value<'_>> = params.iter().map(Value::from).collect();
                    tx.query_map(&q, &values, |r| {
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
                    })
                    .await
                })
            })
            .await
    }

    async fn set_product_category(&self, product: ProductId, category: &str) -> StorageResult<()> {
        let category = category.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    set_category(tx, product, &category, sql::business_day(Utc::now())).await
                })
            })
            .await
    }

    async fn set_product_categories(
        &self,
        categories: &[(ProductId, String)],
    ) -> StorageResult<()> {
        let categories = categories.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let today = sql::business_day(Utc::now());
                    for (product, category) in &categories {
                        set_category(tx, *product, category, today).await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn product_category(&self, product: ProductId) -> StorageResult<String> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.scalar_opt(d::PRODUCT_CATEGORY, p![product.0])
                        .await?
                        .ok_or_else(|| sql::product_not_found(product.0))
                })
            })
            .await
    }

    async fn active_products(&self) -> StorageResult<Vec<(i64, String, String)>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(d::ACTIVE_PRODUCTS, p![], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .await
                })
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
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(&q, p![kind.as_str(), &from, &to], |r| {
                        d::parse_document(&r.get::<String>(0)?)
                    })
                    .await
                })
            })
            .await
    }
}
