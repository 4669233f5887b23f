//! Stock on either backend: applied inside the push transaction (and once, at start-up, to the
//! documents stored before migration 0018), read for the Existencias page, the kardex and reports.

use super::db::{ColType, Row, Tx, Value};
use super::sql_storage::SqlStorage;
use super::stock::{
    ProductStockIn, ProductStockInfo, ShrinkRow, StockFilter, StockKey, StockMove, StockRow,
    StockStorage, StoreValuation,
};
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use crate::services::stock::{self as rules, Level, LineMove, MoveKind};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use sync_protocol::{
    Document, DocumentBody, Money, ProductId, Quantity, StaffId, StockMovementKind, StoreId, TillId,
};

/// `?{from}, ?{from+1}, …` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One document's moves, ready to apply.
struct DocMoves<'a> {
    doc: &'a Document,
    day: &'a str,
    moves: Vec<LineMove>,
}

/// Applies the stock lines of `docs` (each stored for the first time, with its business day), in
/// order. Per store, under the store's stock lock: two tills of one store pushing at once on
/// PostgreSQL apply one after the other, so each balance follows the one before it. `fresh`: the
/// documents were stored by this transaction (a push), so none has a move yet and the moves go in
/// as one COPY on PostgreSQL; otherwise a move already kept is left as it is.
pub(crate) async fn apply_stock(
    tx: &mut dyn Tx,
    docs: &[(&Document, &str)],
    fresh: bool,
) -> StorageResult<()> {
    let mut by_store: BTreeMap<i64, Vec<DocMoves<'_>>> = BTreeMap::new();
    for (doc, day) in docs {
        let moves = rules::moves_of(&doc.body);
        if !moves.is_empty() {
            by_store
                .entry(doc.store_id.0)
                .or_default()
                .push(DocMoves { doc, day, moves });
        }
    }
    for (store, docs) in by_store {
        apply_store(tx, store, &docs, fresh).await?;
    }
    Ok(())
}

async fn apply_store(
    tx: &mut dyn Tx,
    store: i64,
    docs: &[DocMoves<'_>],
    fresh: bool,
) -> StorageResult<()> {
    tx.lock(super::db::locks::STOCK_STORE_BASE + store).await?;
    let mut products: Vec<i64> = docs
        .iter()
        .flat_map(|d| d.moves.iter().map(|m| m.product_id.0))
        .collect();
    products.sort_unstable();
    products.dedup();
    let mut levels: HashMap<ProductId, Level> = HashMap::with_capacity(products.len());
    for chunk in products.chunks(500) {
        let mut params: Vec<Value<'_>> = vec![Value::Int(store)];
        params.extend(chunk.iter().map(|p| Value::Int(*p)));
        let rows = tx
            .query(
                &format!(
                    "SELECT product_id, on_hand_milli, avg_cost_e4, last_sale_at FROM stock_levels
                     WHERE store_id = ?1 AND product_id IN ({})",
                    placeholders(2, chunk.len())
                ),
                &params,
            )
            .await?;
        for r in rows {
            levels.insert(
                ProductId(r.get(0)?),
                Level {
                    on_hand: Quantity::from_milli(r.get(1)?),
                    avg_cost: r.get::<Option<i64>>(2)?.map(rules::cost_from_e4),
                    last_sale_at: r.get(3)?,
                },
            );
        }
    }
    // Receipts against a delivery note carry the note's costs; the average starts from HQ's cost.
    let mut hq_costs: HashMap<ProductId, Decimal> = HashMap::new();
    let mut note_costs: HashMap<&str, HashMap<ProductId, Decimal>> = HashMap::new();
    for d in docs {
        if let DocumentBody::StockMovement(m) = &d.doc.body
            && let Some(number) = m.delivery_note.as_deref()
        {
            let costs: HashMap<ProductId, Decimal> = tx
                .query_map(
                    "SELECT l.product_id, l.unit_cost_e4 FROM delivery_note_lines l
                     JOIN delivery_notes n ON n.id = l.note_id
                     WHERE n.number = ?1 AND n.store_id = ?2 AND l.unit_cost_e4 IS NOT NULL",
                    p![number.trim(), store],
                    |r| Ok((ProductId(r.get(0)?), rules::cost_from_e4(r.get(1)?))),
                )
                .await?
                .into_iter()
                .collect();
            for p in costs.keys() {
                if let std::collections::hash_map::Entry::Vacant(e) = hq_costs.entry(*p)
                    && let Some(c) = tx
                        .scalar_opt::<i64>(
                            "SELECT cost_e4 FROM product_stock_settings WHERE product_id = ?1",
                            p![p.0],
                        )
                        .await?
                {
                    e.insert(rules::cost_from_e4(c));
                }
            }
            note_costs.insert(number, costs);
        }
    }
    let empty = HashMap::new();
    let mut move_rows: Vec<MoveRow> = Vec::new();
    let mut last_move: HashMap<ProductId, i64> = HashMap::new();
    for d in docs {
        let t = sql::micros(d.doc.till_time);
        let costs = match &d.doc.body {
            DocumentBody::StockMovement(m) => m
                .delivery_note
                .as_deref()
                .and_then(|n| note_costs.get(n))
                .unwrap_or(&empty),
            _ => &empty,
        };
        let after = match &d.doc.body {
            DocumentBody::StockMovement(m) if m.kind == StockMovementKind::Count => {
                counted_after(tx, store, &d.moves, t, &move_rows).await?
            }
            _ => HashMap::new(),
        };
        let applied = rules::apply_all_as_of(&mut levels, &d.moves, costs, &hq_costs, t, &after);
        for (m, a) in d.moves.iter().zip(applied) {
            let e = last_move.entry(m.product_id).or_insert(t);
            *e = (*e).max(t);
            move_rows.push(MoveRow {
                document_id: d.doc.id.to_string(),
                line_no: m.line_no,
                product_id: m.product_id.0,
                kind: m.kind.as_str(),
                till_id: d.doc.till_id.0,
                staff_id: m.staff_id.map(|s| s.0),
                till_time: t,
                day: d.day,
                delta: a.delta.milli(),
                balance: a.balance.milli(),
                counted: a.counted.map(Quantity::milli),
                unit_cost: if m.kind == MoveKind::Receipt {
                    costs.get(&m.product_id).map(|c| rules::cost_to_e4(*c))
                } else {
                    None
                },
                reason: m.reason.as_deref(),
            });
        }
    }
    let rows: Vec<Vec<Value<'_>>> = move_rows
        .iter()
        .map(|m| {
            vec![
                Value::Int(store),
                Value::Int(m.product_id),
                Value::Text(&m.document_id),
                Value::Int(m.line_no),
                Value::Text(m.kind),
                Value::Int(m.till_id),
                m.staff_id.into(),
                Value::Int(m.till_time),
                Value::Text(m.day),
                Value::Int(m.delta),
                Value::Int(m.balance),
                m.counted.into(),
                m.unit_cost.into(),
                m.reason.into(),
            ]
        })
        .collect();
    const MOVES: &str = "INSERT INTO stock_moves (store_id, product_id, document_id, line_no, kind, till_id, staff_id,
           till_time, business_day, delta_milli, balance_milli, counted_milli, unit_cost_e4, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    let types = [
        ColType::Int,
        ColType::Int,
        ColType::Text,
        ColType::Int,
        ColType::Text,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Text,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Text,
    ];
    if fresh {
        tx.copy_in(MOVES, &types, &rows).await?;
    } else {
        tx.insert_many(&format!("{MOVES} ON CONFLICT DO NOTHING"), &types, &rows)
            .await?;
    }
    let mut touched: Vec<(&ProductId, &i64)> = last_move.iter().collect();
    touched.sort_unstable();
    let level_rows: Vec<Vec<Value<'_>>> = touched
        .iter()
        .map(|(p, t)| {
            let l = levels[p];
            vec![
                Value::Int(store),
                Value::Int(p.0),
                Value::Int(l.on_hand.milli()),
                l.avg_cost.map(rules::cost_to_e4).into(),
                l.last_sale_at.into(),
                Value::Int(**t),
            ]
        })
        .collect();
    tx.insert_many(
        "INSERT INTO stock_levels (store_id, product_id, on_hand_milli, avg_cost_e4, last_sale_at, last_move_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (store_id, product_id) DO UPDATE SET on_hand_milli = excluded.on_hand_milli,
           avg_cost_e4 = excluded.avg_cost_e4, last_sale_at = excluded.last_sale_at,
           last_move_at = CASE WHEN excluded.last_move_at > stock_levels.last_move_at
                               THEN excluded.last_move_at ELSE stock_levels.last_move_at END",
        &[
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Int,
            ColType::Int,
        ],
        &level_rows,
    )
    .await?;
    Ok(())
}

/// For a count made at till time `t`: what was applied to its products after `t` (stored, or
/// earlier in this push), so the count sets the quantity as of `t` and keeps the rest. Only
/// products with something after `t` are in the map.
async fn counted_after(
    tx: &mut dyn Tx,
    store: i64,
    moves: &[LineMove],
    t: i64,
    pending: &[MoveRow<'_>],
) -> StorageResult<HashMap<ProductId, rules::After>> {
    let mut products: Vec<i64> = moves.iter().map(|m| m.product_id.0).collect();
    products.sort_unstable();
    products.dedup();
    let mut out: HashMap<ProductId, rules::After> = HashMap::new();
    for chunk in products.chunks(500) {
        let mut params: Vec<Value<'_>> = vec![Value::Int(store), Value::Int(t)];
        params.extend(chunk.iter().map(|p| Value::Int(*p)));
        let rows = tx
            .query(
                &format!(
                    "SELECT product_id, CAST(SUM(delta_milli) AS BIGINT),
                            CAST(SUM(CASE WHEN kind = 'count' THEN 1 ELSE 0 END) AS BIGINT)
                     FROM stock_moves WHERE store_id = ?1 AND till_time > ?2 AND product_id IN ({})
                     GROUP BY product_id",
                    placeholders(3, chunk.len())
                ),
                &params,
            )
            .await?;
        for r in rows {
            let e = out.entry(ProductId(r.get(0)?)).or_default();
            e.delta += Quantity::from_milli(r.get(1)?);
            e.counted |= r.get::<i64>(2)? > 0;
        }
    }
    for m in pending
        .iter()
        .filter(|m| m.till_time > t && products.binary_search(&m.product_id).is_ok())
    {
        let e = out.entry(ProductId(m.product_id)).or_default();
        e.delta += Quantity::from_milli(m.delta);
        e.counted |= m.kind == MoveKind::Count.as_str();
    }
    Ok(out)
}

struct MoveRow<'a> {
    document_id: String,
    line_no: i64,
    product_id: i64,
    kind: &'static str,
    till_id: i64,
    staff_id: Option<i64>,
    till_time: i64,
    day: &'a str,
    delta: i64,
    balance: i64,
    counted: Option<i64>,
    unit_cost: Option<i64>,
    reason: Option<&'a str>,
}

/// Applies the documents stored before migration 0018 to stock, in the order HQ received them, a
/// few thousand per transaction; each is deleted from `stock_backfill` in the transaction that
/// applies it, so a restart (or a second instance) carries on without applying any twice.
pub(crate) async fn backfill(db: &super::db::Db) -> StorageResult<u64> {
    let mut total = 0u64;
    loop {
        let done = db
            .write(|tx| {
                Box::pin(async move {
                    let rows: Vec<(String, String, String)> = tx
                        .query_map(
                            "SELECT d.id, d.business_day, d.json FROM stock_backfill b
                             JOIN documents d ON d.id = b.document_id
                             ORDER BY d.received_at, d.till_id, d.seq LIMIT 2000",
                            p![],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .await?;
                    if rows.is_empty() {
                        // Ids whose document is gone cannot be applied; nothing else is left.
                        tx.execute("DELETE FROM stock_backfill", p![]).await?;
                        return Ok(0);
                    }
                    let docs: Vec<Document> = rows
                        .iter()
                        .map(|(_, _, json)| sql::parse_document(json))
                        .collect::<StorageResult<_>>()?;
                    let pairs: Vec<(&Document, &str)> = docs
                        .iter()
                        .zip(rows.iter())
                        .map(|(d, (_, day, _))| (d, day.as_str()))
                        .collect();
                    apply_stock(tx, &pairs, false).await?;
                    for chunk in rows.chunks(500) {
                        let params: Vec<Value<'_>> =
                            chunk.iter().map(|(id, _, _)| Value::Text(id)).collect();
                        tx.execute(
                            &format!(
                                "DELETE FROM stock_backfill WHERE document_id IN ({})",
                                placeholders(1, chunk.len())
                            ),
                            &params,
                        )
                        .await?;
                    }
                    Ok(rows.len() as u64)
                })
            })
            .await?;
        total += done;
        if done == 0 {
            break;
        }
    }
    if total > 0 {
        tracing::info!(
            documents = total,
            "stock applied for documents stored before inventory existed"
        );
    }
    Ok(total)
}

// --- reads ---------------------------------------------------------------------------------------

/// The filter's search text as a `LIKE` pattern (lower case), if any.
fn like_text(f: &StockFilter) -> Option<String> {
    f.query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", q.to_lowercase()))
}

/// `WHERE …` for the filters `f` gives (over `l` stock levels and `p` products), pushing their
/// values onto `params`; empty when it gives none. Only the filters given are written in, so one
/// store's page reads that store's rows by its key.
fn filter_sql<'a>(f: &'a StockFilter, q: Option<&'a str>, params: &mut Vec<Value<'a>>) -> String {
    let mut wheres = Vec::new();
    if let Some(s) = f.store_id {
        params.push(Value::Int(s.0));
        wheres.push(format!("l.store_id = ?{}", params.len()));
    }
    if let Some(q) = q {
        params.push(Value::Text(q));
        let n = params.len();
        wheres.push(format!(
            "(LOWER(p.sku) LIKE ?{n} OR LOWER(p.name) LIKE ?{n})"
        ));
    }
    if let Some(fam) = f.family.as_deref().filter(|s| !s.is_empty()) {
        params.push(Value::Text(fam));
        wheres.push(format!("p.category = ?{}", params.len()));
    }
    if wheres.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wheres.join(" AND "))
    }
}

fn opt_cost(v: Option<i64>) -> Option<Decimal> {
    v.map(rules::cost_from_e4)
}

const STOCK_SELECT: &str = "SELECT l.store_id, l.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''),
       COALESCE(p.category, ''), l.on_hand_milli, COALESCE(l.avg_cost_e4, ps.cost_e4), l.last_sale_at
     FROM stock_levels l
     LEFT JOIN products p ON p.id = l.product_id
     LEFT JOIN product_stock_settings ps ON ps.product_id = l.product_id";

/// [`STOCK_SELECT`] with a ninth column, `s.sold`, for a joined `s` of sales per store and product.
const STOCK_SELECT_SOLD: &str = "SELECT l.store_id, l.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''),
       COALESCE(p.category, ''), l.on_hand_milli, COALESCE(l.avg_cost_e4, ps.cost_e4), l.last_sale_at, s.sold
     FROM stock_levels l
     LEFT JOIN products p ON p.id = l.product_id
     LEFT JOIN product_stock_settings ps ON ps.product_id = l.product_id";

fn stock_row(r: &Row) -> StorageResult<StockRow> {
    let on_hand = Quantity::from_milli(r.get(5)?);
    let cost = opt_cost(r.get(6)?);
    let product: i64 = r.get(1)?;
    let name: String = r.get(3)?;
    Ok(StockRow {
        store_id: StoreId(r.get(0)?),
        product_id: ProductId(product),
        sku: r.get(2)?,
        name: if name.is_empty() {
            format!("producto {product}")
        } else {
            name
        },
        family: r.get(4)?,
        on_hand,
        cost,
        value: rules::value(on_hand, cost),
        last_sale_at: sql::opt_from_micros(r.get(7)?),
        sold: Quantity::ZERO,
    })
}

/// Net units sold per (store, product) since a business day, from the report aggregates. Only the
/// conditions given are written into the statement (an `?n IS NULL OR …` would keep SQLite off the
/// store's index and read every store's days).
async fn sold_since(
    tx: &mut dyn Tx,
    store: Option<i64>,
    product: Option<i64>,
    since: NaiveDate,
) -> StorageResult<HashMap<(i64, i64), i64>> {
    let day = sql::day_text(since);
    let mut params: Vec<Value<'_>> = vec![Value::Text(&day)];
    let mut sql = String::from(
        "SELECT store_id, product_id, CAST(SUM(quantity_milli) AS BIGINT) FROM agg_product_day
         WHERE business_day >= ?1",
    );
    if let Some(s) = store {
        params.push(Value::Int(s));
        sql.push_str(&format!(" AND store_id = ?{}", params.len()));
    }
    if let Some(p) = product {
        params.push(Value::Int(p));
        sql.push_str(&format!(" AND product_id = ?{}", params.len()));
    }
    sql.push_str(" GROUP BY store_id, product_id");
    let rows = tx
        .query_map(&sql, &params, |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .await?;
    Ok(rows.into_iter().collect())
}

#[async_trait]
impl StockStorage for SqlStorage {
    async fn set_product_stock(
        &self,
        rows: &[ProductStockIn],
        now: DateTime<Utc>,
    ) -> StorageResult<u64> {
        let rows = rows.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now = sql::micros(now);
                    for r in &rows {
                        if !tx
                            .exists("SELECT 1 FROM products WHERE id = ?1", p![r.product_id.0])
                            .await?
                        {
                            return Err(StorageError::Invalid(
                                Problem::new("product_does_not_exist").with("id", r.product_id),
                            ));
                        }
                        tx.execute(
                            "INSERT INTO product_stock_settings (product_id, cost_e4, updated_at)
                             VALUES (?1, ?2, ?3)
                             ON CONFLICT (product_id) DO UPDATE SET cost_e4 = excluded.cost_e4,
                               updated_at = excluded.updated_at",
                            p![r.product_id.0, rules::cost_to_e4(r.cost), now],
                        )
                        .await?;
                    }
                    Ok(rows.len() as u64)
                })
            })
            .await
    }

    async fn product_stock(&self) -> StorageResult<Vec<ProductStockInfo>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT p.id, p.sku, p.name, p.category, ps.cost_e4
                         FROM products p LEFT JOIN product_stock_settings ps ON ps.product_id = p.id
                         ORDER BY p.id",
                        p![],
                        |r| {
                            Ok(ProductStockInfo {
                                product_id: ProductId(r.get(0)?),
                                sku: r.get(1)?,
                                name: r.get(2)?,
                                family: r.get(3)?,
                                cost: opt_cost(r.get(4)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn families(&self) -> StorageResult<Vec<String>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT DISTINCT category FROM products WHERE category <> '' ORDER BY category",
                        p![],
                        |r| r.get(0),
                    )
                    .await
                })
            })
            .await
    }

    async fn stock(&self, f: &StockFilter) -> StorageResult<Vec<StockRow>> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let q = like_text(&f);
                    let day = sql::day_text(f.sales_since);
                    // One statement: the rows and what each sold since the day (grouped once, not
                    // per row). Only the filters given are written in, so one store's page reads
                    // that store's rows by its key instead of scanning every store's.
                    let mut params: Vec<Value<'_>> = vec![Value::Text(&day)];
                    let sold_where = f
                        .store_id
                        .map(|s| format!(" AND store_id = {}", s.0))
                        .unwrap_or_default();
                    let filter = filter_sql(&f, q.as_deref(), &mut params);
                    tx.query_map(
                        &format!(
                            "{STOCK_SELECT_SOLD}
                             LEFT JOIN (SELECT store_id, product_id, CAST(SUM(quantity_milli) AS BIGINT) AS sold
                                        FROM agg_product_day WHERE business_day >= ?1{sold_where}
                                        GROUP BY store_id, product_id) s
                               ON s.store_id = l.store_id AND s.product_id = l.product_id
                             {filter}
                             ORDER BY l.store_id, p.sku, l.product_id"
                        ),
                        &params,
                        |r| {
                            let mut row = stock_row(r)?;
                            row.sold = Quantity::from_milli(r.get::<Option<i64>>(8)?.unwrap_or(0));
                            Ok(row)
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn stock_keys(&self, f: &StockFilter) -> StorageResult<Vec<StockKey>> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let q = like_text(&f);
                    let mut params: Vec<Value<'_>> = Vec::new();
                    let filter = filter_sql(&f, q.as_deref(), &mut params);
                    tx.query_map(
                        &format!(
                            "SELECT l.store_id, l.product_id, l.on_hand_milli,
                                    COALESCE(l.avg_cost_e4, ps.cost_e4), l.last_sale_at
                             FROM stock_levels l
                             LEFT JOIN products p ON p.id = l.product_id
                             LEFT JOIN product_stock_settings ps ON ps.product_id = l.product_id
                             {filter}
                             ORDER BY l.store_id, p.sku, l.product_id"
                        ),
                        &params,
                        |r| {
                            Ok(StockKey {
                                store_id: StoreId(r.get(0)?),
                                product_id: ProductId(r.get(1)?),
                                on_hand: Quantity::from_milli(r.get(2)?),
                                cost: opt_cost(r.get(3)?),
                                last_sale_at: sql::opt_from_micros(r.get(4)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn stock_rows(
        &self,
        keys: &[(StoreId, ProductId)],
        sales_since: NaiveDate,
    ) -> StorageResult<Vec<StockRow>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys.to_vec();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    // Ids only (integers), written in: a page is at most a few hundred pairs.
                    let list = |ids: &mut Vec<i64>| {
                        ids.sort_unstable();
                        ids.dedup();
                        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                    };
                    let stores = list(&mut keys.iter().map(|k| k.0.0).collect());
                    let products = list(&mut keys.iter().map(|k| k.1.0).collect());
                    let day = sql::day_text(sales_since);
                    let sold: HashMap<(i64, i64), i64> = tx
                        .query_map(
                            &format!(
                                "SELECT store_id, product_id, CAST(SUM(quantity_milli) AS BIGINT)
                                 FROM agg_product_day
                                 WHERE business_day >= ?1 AND store_id IN ({stores})
                                   AND product_id IN ({products})
                                 GROUP BY store_id, product_id"
                            ),
                            p![&day],
                            |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)),
                        )
                        .await?
                        .into_iter()
                        .collect();
                    let mut rows: HashMap<(i64, i64), StockRow> = tx
                        .query_map(
                            &format!(
                                "{STOCK_SELECT} WHERE l.store_id IN ({stores}) AND l.product_id IN ({products})"
                            ),
                            p![],
                            stock_row,
                        )
                        .await?
                        .into_iter()
                        .map(|r| ((r.store_id.0, r.product_id.0), r))
                        .collect();
                    Ok(keys
                        .iter()
                        .filter_map(|(s, p)| {
                            let mut row = rows.remove(&(s.0, p.0))?;
                            row.sold = Quantity::from_milli(
                                sold.get(&(s.0, p.0)).copied().unwrap_or(0),
                            );
                            Some(row)
                        })
                        .collect())
                })
            })
            .await
    }

    async fn stock_row(
        &self,
        store: StoreId,
        product: ProductId,
        sales_since: NaiveDate,
    ) -> StorageResult<Option<StockRow>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let row = tx
                        .query_opt(
                            &format!("{STOCK_SELECT} WHERE l.store_id = ?1 AND l.product_id = ?2"),
                            p![store.0, product.0],
                        )
                        .await?;
                    let Some(row) = row else { return Ok(None) };
                    let mut row = stock_row(&row)?;
                    let sold = sold_since(tx, Some(store.0), Some(product.0), sales_since).await?;
                    row.sold =
                        Quantity::from_milli(sold.get(&(store.0, product.0)).copied().unwrap_or(0));
                    Ok(Some(row))
                })
            })
            .await
    }

    async fn stock_card(
        &self,
        store: StoreId,
        product: ProductId,
        limit: u32,
    ) -> StorageResult<Vec<StockMove>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let mut moves = tx
                        .query_map(
                            "SELECT m.id, m.kind, m.till_time, m.business_day, m.document_id, m.till_id,
                                    COALESCE(d.seq, 0), s.number, m.staff_id, st.name, m.delta_milli,
                                    m.balance_milli, m.counted_milli, m.unit_cost_e4, m.reason
                             FROM stock_moves m
                             LEFT JOIN documents d ON d.id = m.document_id
                             LEFT JOIN sales s ON s.document_id = m.document_id
                             LEFT JOIN staff st ON st.id = m.staff_id
                             WHERE m.store_id = ?1 AND m.product_id = ?2
                             ORDER BY m.id DESC LIMIT ?3",
                            p![store.0, product.0, i64::from(limit)],
                            |r| {
                                let kind: String = r.get(1)?;
                                Ok(StockMove {
                                    id: r.get(0)?,
                                    kind: MoveKind::parse(&kind).ok_or_else(|| {
                                        StorageError::Backend(format!(
                                            "unknown stock move kind {kind:?} in database"
                                        ))
                                    })?,
                                    at: sql::from_micros(r.get(2)?),
                                    business_day: sql::parse_day(&r.get::<String>(3)?)?,
                                    document_id: r.get(4)?,
                                    till_id: TillId(r.get(5)?),
                                    seq: r.get(6)?,
                                    number: r.get(7)?,
                                    staff_id: r.get::<Option<i64>>(8)?.map(StaffId),
                                    staff_name: r.get(9)?,
                                    delta: Quantity::from_milli(r.get(10)?),
                                    balance: Quantity::from_milli(r.get(11)?),
                                    counted: r.get::<Option<i64>>(12)?.map(Quantity::from_milli),
                                    unit_cost: opt_cost(r.get(13)?),
                                    reason: r.get(14)?,
                                })
                            },
                        )
                        .await?;
                    moves.reverse();
                    Ok(moves)
                })
            })
            .await
    }

    async fn stock_valuation(&self) -> StorageResult<Vec<StoreValuation>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT l.store_id, COUNT(*),
                           CAST(SUM(CASE WHEN l.on_hand_milli < 0 THEN 1 ELSE 0 END) AS BIGINT),
                           CAST(SUM(CASE WHEN l.on_hand_milli > 0 AND COALESCE(l.avg_cost_e4, ps.cost_e4) IS NULL
                                         THEN 1 ELSE 0 END) AS BIGINT),
                           CAST(SUM(l.on_hand_milli * COALESCE(l.avg_cost_e4, ps.cost_e4, 0)) AS BIGINT)
                         FROM stock_levels l
                         LEFT JOIN product_stock_settings ps ON ps.product_id = l.product_id
                         GROUP BY l.store_id ORDER BY l.store_id",
                        p![],
                        |r| {
                            // thousandths × ten-thousandths = 10⁻⁷ euros, exact until rounded here.
                            let raw: i64 = r.get(4)?;
                            Ok(StoreValuation {
                                store_id: StoreId(r.get(0)?),
                                products: sql::to_u64(r.get(1)?),
                                negative: sql::to_u64(r.get(2)?),
                                without_cost: sql::to_u64(r.get(3)?),
                                value: Money::new(Decimal::new(raw, 7)),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn shrinkage(&self, from: NaiveDate, to: NaiveDate) -> StorageResult<Vec<ShrinkRow>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT m.store_id, m.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''), m.kind,
                                m.staff_id, st.name, CAST(SUM(m.delta_milli) AS BIGINT), COUNT(*),
                                MAX(COALESCE(l.avg_cost_e4, ps.cost_e4))
                         FROM stock_moves m
                         LEFT JOIN products p ON p.id = m.product_id
                         LEFT JOIN staff st ON st.id = m.staff_id
                         LEFT JOIN stock_levels l ON l.store_id = m.store_id AND l.product_id = m.product_id
                         LEFT JOIN product_stock_settings ps ON ps.product_id = m.product_id
                         WHERE m.business_day >= ?1 AND m.business_day <= ?2
                           AND m.kind IN ('count', 'waste') AND m.delta_milli <> 0
                         GROUP BY m.store_id, m.product_id, p.sku, p.name, m.kind, m.staff_id, st.name
                         ORDER BY m.store_id, p.sku, m.kind, m.staff_id",
                        p![&sql::day_text(from), &sql::day_text(to)],
                        |r| {
                            let kind: String = r.get(4)?;
                            let quantity = Quantity::from_milli(r.get(7)?);
                            Ok(ShrinkRow {
                                store_id: StoreId(r.get(0)?),
                                product_id: ProductId(r.get(1)?),
                                sku: r.get(2)?,
                                name: r.get(3)?,
                                kind: MoveKind::parse(&kind).unwrap_or(MoveKind::Count),
                                staff_id: r.get::<Option<i64>>(5)?.map(StaffId),
                                staff_name: r.get(6)?,
                                quantity,
                                lines: sql::to_u64(r.get(8)?),
                                value: rules::value(quantity, opt_cost(r.get(9)?)),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }
}

/// Stock moved by HQ rather than by a till document (a transfer leaving its store): `moves` are
/// signed changes, written as `adjustment` lines of the pseudo-document `document_id` (till 0),
/// under the store's stock lock like a push. Applied once: a document id already moved is skipped.
pub(crate) async fn apply_hq_moves(
    tx: &mut dyn Tx,
    store: i64,
    document_id: &str,
    moves: &[(ProductId, Quantity)],
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    tx.lock(super::db::locks::STOCK_STORE_BASE + store).await?;
    if tx
        .exists(
            "SELECT 1 FROM stock_moves WHERE document_id = ?1",
            p![document_id],
        )
        .await?
    {
        return Ok(());
    }
    let t = sql::micros(now);
    let day = sql::day_text(sql::business_day(now));
    for (i, (product, delta)) in moves.iter().enumerate() {
        let on_hand: i64 = tx
            .scalar_opt(
                "SELECT on_hand_milli FROM stock_levels WHERE store_id = ?1 AND product_id = ?2",
                p![store, product.0],
            )
            .await?
            .unwrap_or(0);
        let balance = on_hand + delta.milli();
        tx.execute(
            "INSERT INTO stock_moves (store_id, product_id, document_id, line_no, kind, till_id, staff_id,
               till_time, business_day, delta_milli, balance_milli, counted_milli, unit_cost_e4, reason)
             VALUES (?1, ?2, ?3, ?4, 'adjustment', 0, NULL, ?5, ?6, ?7, ?8, NULL, NULL, ?9)",
            p![
                store,
                product.0,
                document_id,
                i as i64 + 1,
                t,
                &day,
                delta.milli(),
                balance,
                reason
            ],
        )
        .await?;
        tx.execute(
            "INSERT INTO stock_levels (store_id, product_id, on_hand_milli, avg_cost_e4, last_sale_at, last_move_at)
             VALUES (?1, ?2, ?3, NULL, NULL, ?4)
             ON CONFLICT (store_id, product_id) DO UPDATE SET on_hand_milli = excluded.on_hand_milli,
               last_move_at = excluded.last_move_at",
            p![store, product.0, balance, t],
        )
        .await?;
    }
    Ok(())
}
