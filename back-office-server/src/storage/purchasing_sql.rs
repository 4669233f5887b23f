//! Purchase orders and transfers on either backend.

use super::db::{Tx, Value, locks};
use super::deliveries::{self as dn, DeliveryNote, NewDeliveryNote};
use super::deliveries_sql;
use super::purchasing::{
    self as po, JobDraft, NewPurchaseOrder, NewTransfer, NoteRef, OrderFilter, OrderLine,
    OrderLineIn, OrderStatus, PurchaseOrder, PurchasingStorage, Transfer, TransferLine,
    TransferState,
};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use crate::services::stock as rules;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, Utc};
use std::collections::HashMap;
use sync_protocol::{DeliveryNoteStatus, ProductId, Quantity, StoreId};

fn order_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("purchase_order_not_found").with("id", id))
}

fn transfer_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("transfer_not_found").with("id", id))
}

/// Rows one multi-row statement carries (a suggested order can have thousands of lines).
const CHUNK: usize = 200;

/// `(?{from}, ?{from+1}, …)` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn check_products(
    tx: &mut dyn Tx,
    ids: impl Iterator<Item = ProductId>,
) -> StorageResult<()> {
    let ids: Vec<ProductId> = ids.collect();
    for chunk in ids.chunks(CHUNK) {
        let params: Vec<Value<'_>> = chunk.iter().map(|p| Value::from(p.0)).collect();
        let found: std::collections::HashSet<i64> = tx
            .query_map(
                &format!(
                    "SELECT id FROM products WHERE id IN ({})",
                    placeholders(1, chunk.len())
                ),
                &params,
                |r| r.get(0),
            )
            .await?
            .into_iter()
            .collect();
        if let Some(p) = chunk.iter().find(|p| !found.contains(&p.0)) {
            return Err(StorageError::Invalid(
                Problem::new("product_does_not_exist").with("id", *p),
            ));
        }
    }
    Ok(())
}

async fn notes_of(tx: &mut dyn Tx, ids: &[i64]) -> StorageResult<Vec<NoteRef>> {
    let mut out = Vec::new();
    for id in ids {
        let r = tx
            .query_one(
                "SELECT id, COALESCE(number, ''), status FROM delivery_notes WHERE id = ?1",
                p![*id],
            )
            .await?;
        out.push(NoteRef {
            id: r.get(0)?,
            number: r.get(1)?,
            status: dn::parse_status(&r.get::<String>(2)?)?,
        });
    }
    Ok(out)
}

async fn load_order(tx: &mut dyn Tx, id: i64) -> StorageResult<PurchaseOrder> {
    let r = tx
        .query_opt(
            "SELECT o.id, o.number, o.store_id, o.supplier_id, s.name, s.email, s.central, o.status,
                    o.source, o.created_by, o.created_at, o.decided_by, o.decided_at, o.emailed_to,
                    o.emailed_at, o.email_error, s.language, o.email_attempts, o.email_next_at,
                    o.made_by_job, o.edited_by, o.edited_at
             FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id WHERE o.id = ?1",
            p![id],
        )
        .await?
        .ok_or_else(|| order_not_found(id))?;
    let status: String = r.get(7)?;
    let note_ids: Vec<i64> = tx
        .query_map(
            "SELECT note_id FROM purchase_order_notes WHERE order_id = ?1 ORDER BY note_id",
            p![id],
            |r| r.get(0),
        )
        .await?;
    // Received per product over every note of the order.
    let received: HashMap<i64, i64> = tx
        .query_map(
            "SELECT l.product_id, CAST(SUM(COALESCE(l.received_milli, 0)) AS BIGINT) FROM purchase_order_notes n
             JOIN delivery_note_lines l ON l.note_id = n.note_id
             WHERE n.order_id = ?1 GROUP BY l.product_id",
            p![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .await?
        .into_iter()
        .collect();
    let lines = tx
        .query_map(
            "SELECT l.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''), l.quantity_milli, l.unit_cost_e4
             FROM purchase_order_lines l LEFT JOIN products p ON p.id = l.product_id
             WHERE l.order_id = ?1 ORDER BY l.line_no",
            p![id],
            |r| {
                let product: i64 = r.get(0)?;
                Ok(OrderLine {
                    product_id: ProductId(product),
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    quantity: Quantity::from_milli(r.get(3)?),
                    unit_cost: r.get::<Option<i64>>(4)?.map(rules::cost_from_e4),
                    received: Quantity::from_milli(received.get(&product).copied().unwrap_or(0)),
                })
            },
        )
        .await?;
    Ok(PurchaseOrder {
        id: r.get(0)?,
        number: r.get(1)?,
        store_id: StoreId(r.get(2)?),
        supplier_id: r.get(3)?,
        supplier_name: r.get(4)?,
        supplier_email: r.get(5)?,
        supplier_language: trastienda_l10n::Language::from_code(&r.get::<String>(16)?)
            .unwrap_or_default(),
        central: r.get(6)?,
        status: OrderStatus::parse(&status).ok_or_else(|| {
            StorageError::Backend(format!("unknown purchase order status {status:?}"))
        })?,
        source: r.get(8)?,
        created_by: r.get(9)?,
        created_at: sql::from_micros(r.get(10)?),
        decided_by: r.get(11)?,
        decided_at: sql::opt_from_micros(r.get(12)?),
        emailed_to: r.get(13)?,
        emailed_at: sql::opt_from_micros(r.get(14)?),
        email_error: r.get(15)?,
        email_attempts: r.get(17)?,
        email_next_at: sql::opt_from_micros(r.get(18)?),
        made_by_job: r.get(19)?,
        edited_by: r.get(20)?,
        edited_at: sql::opt_from_micros(r.get(21)?),
        lines,
        notes: notes_of(tx, &note_ids).await?,
    })
}

async fn write_lines(tx: &mut dyn Tx, id: i64, lines: &[OrderLineIn]) -> StorageResult<()> {
    check_products(tx, lines.iter().map(|l| l.product_id)).await?;
    tx.execute(
        "DELETE FROM purchase_order_lines WHERE order_id = ?1",
        p![id],
    )
    .await?;
    for (c, chunk) in lines.chunks(CHUNK).enumerate() {
        let mut params: Vec<Value<'_>> = Vec::with_capacity(chunk.len() * 5);
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, l) in chunk.iter().enumerate() {
            rows.push(format!("({})", placeholders(i * 5 + 1, 5)));
            params.extend([
                Value::from(id),
                Value::from((c * CHUNK + i) as i64 + 1),
                Value::from(l.product_id.0),
                Value::from(l.quantity.milli()),
                Value::from(l.unit_cost.map(rules::cost_to_e4)),
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO purchase_order_lines (order_id, line_no, product_id, quantity_milli, unit_cost_e4)
                 VALUES {}",
                rows.join(", ")
            ),
            &params,
        )
        .await?;
    }
    Ok(())
}

/// The order locked for a change, which must be in `want`.
async fn order_in(
    tx: &mut dyn Tx,
    id: i64,
    want: OrderStatus,
    code: &'static str,
) -> StorageResult<PurchaseOrder> {
    tx.query_opt(
        "SELECT id FROM purchase_orders WHERE id = ?1 FOR UPDATE",
        p![id],
    )
    .await?
    .ok_or_else(|| order_not_found(id))?;
    let o = load_order(tx, id).await?;
    if o.status != want {
        return Err(StorageError::Conflict(
            Problem::new(code).with("status", o.status.as_str()),
        ));
    }
    Ok(o)
}

/// The note an order travels as: its outstanding lines at their costs.
fn note_for(o: &PurchaseOrder, by: &str, now: DateTime<Utc>, lead_days: i64) -> NewDeliveryNote {
    let lines: Vec<&OrderLine> = o
        .lines
        .iter()
        .filter(|l| !l.outstanding().is_zero())
        .collect();
    NewDeliveryNote {
        store_id: o.store_id,
        supplier: format!(
            "{} · {}",
            o.supplier_name,
            o.number.clone().unwrap_or_default()
        ),
        expected_date: sql::business_day(now) + Duration::days(lead_days),
        lines: lines
            .iter()
            .map(|l| (l.product_id, l.outstanding()))
            .collect(),
        created_by: by.to_string(),
        unit_costs: lines
            .iter()
            .filter_map(|l| l.unit_cost.map(|c| (l.product_id, c)))
            .collect(),
    }
}

async fn attach_note(
    tx: &mut dyn Tx,
    o: &PurchaseOrder,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<DeliveryNote> {
    let lead: i64 = tx
        .scalar(
            "SELECT lead_time_days FROM suppliers WHERE id = ?1",
            p![o.supplier_id],
        )
        .await?;
    let note = deliveries_sql::create_in(tx, &note_for(o, by, now, lead), now).await?;
    tx.execute(
        "INSERT INTO purchase_order_notes (order_id, note_id) VALUES (?1, ?2)",
        p![o.id, note.id],
    )
    .await?;
    Ok(note)
}

/// Transfer `id`, locked for this transaction, if it is still a draft (dispatch and discard).
async fn lock_draft_transfer(tx: &mut dyn Tx, id: i64) -> StorageResult<Transfer> {
    tx.query_opt(
        "SELECT id FROM store_transfers WHERE id = ?1 FOR UPDATE",
        p![id],
    )
    .await?
    .ok_or_else(|| transfer_not_found(id))?;
    let t = load_transfer(tx, id).await?;
    if t.state != TransferState::Draft {
        return Err(StorageError::Conflict(
            Problem::new("transfer_not_draft").with("status", t.state.as_str()),
        ));
    }
    Ok(t)
}

async fn load_transfer(tx: &mut dyn Tx, id: i64) -> StorageResult<Transfer> {
    let r = tx
        .query_opt(
            "SELECT id, number, from_store_id, to_store_id, status, created_by, created_at,
                    dispatched_by, dispatched_at, note_id, discarded_by, discarded_at
             FROM store_transfers WHERE id = ?1",
            p![id],
        )
        .await?
        .ok_or_else(|| transfer_not_found(id))?;
    let status: String = r.get(4)?;
    let note_id: Option<i64> = r.get(9)?;
    let note = match note_id {
        Some(n) => notes_of(tx, &[n]).await?.pop(),
        None => None,
    };
    let received: HashMap<i64, Option<i64>> = match note_id {
        Some(n) => tx
            .query_map(
                "SELECT product_id, received_milli FROM delivery_note_lines WHERE note_id = ?1",
                p![n],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .await?
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let lines = tx
        .query_map(
            "SELECT l.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''), l.quantity_milli
             FROM store_transfer_lines l LEFT JOIN products p ON p.id = l.product_id
             WHERE l.transfer_id = ?1 ORDER BY l.line_no",
            p![id],
            |r| {
                let product: i64 = r.get(0)?;
                Ok(TransferLine {
                    product_id: ProductId(product),
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    quantity: Quantity::from_milli(r.get(3)?),
                    received: received
                        .get(&product)
                        .copied()
                        .flatten()
                        .map(Quantity::from_milli),
                })
            },
        )
        .await?;
    let state = match (status.as_str(), note.as_ref().map(|n| n.status)) {
        ("draft", _) => TransferState::Draft,
        ("discarded", _) => TransferState::Discarded,
        (_, Some(DeliveryNoteStatus::Received)) => TransferState::Received,
        (_, Some(DeliveryNoteStatus::ReceivedWithDifferences)) => {
            TransferState::ReceivedWithDifferences
        }
        _ => TransferState::InTransit,
    };
    Ok(Transfer {
        id: r.get(0)?,
        number: r.get(1)?,
        from_store_id: StoreId(r.get(2)?),
        to_store_id: StoreId(r.get(3)?),
        state,
        created_by: r.get(5)?,
        created_at: sql::from_micros(r.get(6)?),
        dispatched_by: r.get(7)?,
        dispatched_at: sql::opt_from_micros(r.get(8)?),
        discarded_by: r.get(10)?,
        discarded_at: sql::opt_from_micros(r.get(11)?),
        note,
        lines,
    })
}

/// Inserts a draft order and its lines after checking its store, supplier and products.
async fn insert_order(
    tx: &mut dyn Tx,
    o: &NewPurchaseOrder,
    job: Option<&str>,
    now: DateTime<Utc>,
) -> StorageResult<i64> {
    let franchisee: i64 = tx
        .scalar_opt(
            "SELECT franchisee_id FROM stores WHERE id = ?1",
            p![o.store_id.0],
        )
        .await?
        .ok_or_else(|| {
            StorageError::Invalid(Problem::new("store_does_not_exist").with("id", o.store_id))
        })?;
    let supplier = tx
        .query_opt(
            "SELECT franchisee_id FROM suppliers WHERE id = ?1",
            p![o.supplier_id],
        )
        .await?
        .ok_or_else(|| {
            StorageError::Invalid(
                Problem::new("replenish_unknown_supplier").with("value", o.supplier_id),
            )
        })?;
    if supplier
        .get::<Option<i64>>(0)?
        .is_some_and(|f| f != franchisee)
    {
        return Err(StorageError::Invalid(
            Problem::new("supplier_other_franchisee")
                .with("supplier", o.supplier_id)
                .with("store", o.store_id),
        ));
    }
    let id = tx
            .insert_returning_id(
                "INSERT INTO purchase_orders (store_id, supplier_id, source, created_by, created_at, made_by_job)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                p![
                    o.store_id.0,
                    o.supplier_id,
                    &o.source,
                    &o.created_by,
                    sql::micros(now),
                    job
                ],
            )
            .await?;
    write_lines(tx, id, &o.lines).await?;
    Ok(id)
}

#[async_trait]
impl PurchasingStorage for SqlStorage {
    async fn create_purchase_order(
        &self,
        o: &NewPurchaseOrder,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder> {
        let o = o.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let id = insert_order(tx, &o, None, now).await?;
                    load_order(tx, id).await
                })
            })
            .await
    }

    async fn get_purchase_order(&self, id: i64) -> StorageResult<PurchaseOrder> {
        self.db
            .read(move |tx| Box::pin(async move { load_order(tx, id).await }))
            .await
    }

    async fn list_purchase_orders(&self, f: &OrderFilter) -> StorageResult<Vec<PurchaseOrder>> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let ids: Vec<(i64, i64, String)> = tx
                        .query_map(
                            "SELECT id, store_id, status FROM purchase_orders ORDER BY id DESC LIMIT 500",
                            p![],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .await?;
                    let mut out = Vec::new();
                    for (id, store, status) in ids {
                        let store = StoreId(store);
                        if f.store_id.is_some_and(|s| s != store)
                            || f.scope.as_ref().is_some_and(|s| !s.contains(&store))
                            || f.status.is_some_and(|s| s.as_str() != status)
                        {
                            continue;
                        }
                        out.push(load_order(tx, id).await?);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn set_order_lines(
        &self,
        id: i64,
        lines: &[OrderLineIn],
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder> {
        let lines = lines.to_vec();
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    order_in(tx, id, OrderStatus::Draft, "purchase_order_not_draft").await?;
                    write_lines(tx, id, &lines).await?;
                    tx.execute(
                        "UPDATE purchase_orders SET edited_by = ?1, edited_at = ?2 WHERE id = ?3",
                        p![&by, sql::micros(now), id],
                    )
                    .await?;
                    load_order(tx, id).await
                })
            })
            .await
    }

    async fn write_suggested_draft(
        &self,
        o: &NewPurchaseOrder,
        job: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<JobDraft> {
        let o = o.clone();
        let job = job.map(str::to_string);
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    // One writer at a time decides for a store and supplier (several instances).
                    tx.lock(locks::PURCHASING).await?;
                    let open = tx
                        .query_opt(
                            "SELECT id, made_by_job, edited_by FROM purchase_orders
                             WHERE store_id = ?1 AND supplier_id = ?2 AND status = 'draft'
                             ORDER BY id LIMIT 1 FOR UPDATE",
                            p![o.store_id.0, o.supplier_id],
                        )
                        .await?;
                    let Some(r) = open else {
                        return Ok(JobDraft::Created(
                            insert_order(tx, &o, job.as_deref(), now).await?,
                        ));
                    };
                    let id: i64 = r.get(0)?;
                    let made_by: Option<String> = r.get(1)?;
                    let edited_by: Option<String> = r.get(2)?;
                    if made_by.is_none() || edited_by.is_some() {
                        return Ok(JobDraft::Left(id));
                    }
                    write_lines(tx, id, &o.lines).await?;
                    Ok(JobDraft::Replaced(id))
                })
            })
            .await
    }

    async fn discard_stale_job_drafts(
        &self,
        store: StoreId,
        keep: &[i64],
        job: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<u64> {
        let keep = keep.to_vec();
        let job = job.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(locks::PURCHASING).await?;
                    let stale: Vec<i64> = tx
                        .query_map(
                            "SELECT id, supplier_id FROM purchase_orders
                             WHERE store_id = ?1 AND status = 'draft' AND made_by_job = ?2
                               AND edited_by IS NULL ORDER BY id",
                            p![store.0, &job],
                            |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)),
                        )
                        .await?
                        .into_iter()
                        .filter(|(_, supplier)| !keep.contains(supplier))
                        .map(|(id, _)| id)
                        .collect();
                    for &id in &stale {
                        tx.execute(
                            "UPDATE purchase_orders SET status = 'discarded', decided_by = ?1, decided_at = ?2
                             WHERE id = ?3",
                            p![&job, sql::micros(now), id],
                        )
                        .await?;
                    }
                    Ok(stale.len() as u64)
                })
            })
            .await
    }

    async fn discard_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    order_in(tx, id, OrderStatus::Draft, "purchase_order_not_draft").await?;
                    tx.execute(
                        "UPDATE purchase_orders SET status = 'discarded', decided_by = ?1, decided_at = ?2 WHERE id = ?3",
                        p![&by, sql::micros(now), id],
                    )
                    .await?;
                    load_order(tx, id).await
                })
            })
            .await
    }

    async fn approve_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<(PurchaseOrder, DeliveryNote)> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let o = order_in(tx, id, OrderStatus::Draft, "purchase_order_not_draft").await?;
                    if o.lines.is_empty() {
                        return Err(StorageError::Invalid(Problem::new("purchase_order_empty")));
                    }
                    tx.lock(locks::PURCHASING).await?;
                    let year = i64::from(sql::business_day(now).year());
                    let last: i64 = tx
                        .scalar_opt(
                            "SELECT last_number FROM purchase_order_series WHERE year = ?1",
                            p![year],
                        )
                        .await?
                        .unwrap_or(0);
                    let n = last + 1;
                    tx.execute(
                        "INSERT INTO purchase_order_series (year, last_number) VALUES (?1, ?2)
                         ON CONFLICT (year) DO UPDATE SET last_number = excluded.last_number",
                        p![year, n],
                    )
                    .await?;
                    let number = po::order_number(year as i32, n);
                    tx.execute(
                        "UPDATE purchase_orders SET status = 'approved', number = ?1, decided_by = ?2,
                           decided_at = ?3 WHERE id = ?4",
                        p![&number, &by, sql::micros(now), id],
                    )
                    .await?;
                    let o = load_order(tx, id).await?;
                    let note = attach_note(tx, &o, &by, now).await?;
                    Ok((load_order(tx, id).await?, note))
                })
            })
            .await
    }

    async fn set_order_pdf(&self, id: i64, pdf: &[u8]) -> StorageResult<()> {
        let pdf = pdf.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE purchase_orders SET pdf = ?1 WHERE id = ?2",
                        p![pdf.as_slice(), id],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn order_pdf(&self, id: i64) -> StorageResult<Option<Vec<u8>>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt("SELECT pdf FROM purchase_orders WHERE id = ?1", p![id])
                        .await?
                        .ok_or_else(|| order_not_found(id))?;
                    r.get(0)
                })
            })
            .await
    }

    async fn record_order_email(
        &self,
        id: i64,
        result: Result<String, String>,
        now: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = match &result {
                        Ok(to) => {
                            tx.execute(
                                "UPDATE purchase_orders SET emailed_to = ?1, emailed_at = ?2, email_error = NULL,
                                   email_attempts = email_attempts + 1, email_next_at = NULL WHERE id = ?3",
                                p![to, sql::micros(now), id],
                            )
                            .await?
                        }
                        Err(e) => {
                            tx.execute(
                                "UPDATE purchase_orders SET email_error = ?1, email_attempts = email_attempts + 1,
                                   email_next_at = ?2 WHERE id = ?3",
                                p![e, retry_at.map(sql::micros), id],
                            )
                            .await?
                        }
                    };
                    if n == 0 {
                        return Err(order_not_found(id));
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn order_emails_due(&self, now: DateTime<Utc>, limit: u32) -> StorageResult<Vec<i64>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id FROM purchase_orders
                         WHERE email_next_at IS NOT NULL AND email_next_at <= ?1 AND emailed_to IS NULL
                         ORDER BY email_next_at, id LIMIT ?2",
                        p![sql::micros(now), i64::from(limit)],
                        |r| r.get(0),
                    )
                    .await
                })
            })
            .await
    }

    async fn order_remainder_note(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<(PurchaseOrder, DeliveryNote)> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let o = order_in(tx, id, OrderStatus::Approved, "purchase_order_not_approved")
                        .await?;
                    if o.note_pending() || o.lines.iter().all(|l| l.outstanding().is_zero()) {
                        return Err(StorageError::Conflict(Problem::new(
                            "purchase_order_nothing_outstanding",
                        )));
                    }
                    let note = attach_note(tx, &o, &by, now).await?;
                    Ok((load_order(tx, id).await?, note))
                })
            })
            .await
    }

    async fn close_purchase_order(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<PurchaseOrder> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    order_in(tx, id, OrderStatus::Approved, "purchase_order_not_approved").await?;
                    tx.execute(
                        "UPDATE purchase_orders SET status = 'closed', decided_by = ?1, decided_at = ?2 WHERE id = ?3",
                        p![&by, sql::micros(now), id],
                    )
                    .await?;
                    load_order(tx, id).await
                })
            })
            .await
    }

    async fn create_transfer(
        &self,
        t: &NewTransfer,
        now: DateTime<Utc>,
    ) -> StorageResult<Transfer> {
        let t = t.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let mut franchisees = Vec::new();
                    for s in [t.from_store_id, t.to_store_id] {
                        let f: i64 = tx
                            .scalar_opt("SELECT franchisee_id FROM stores WHERE id = ?1", p![s.0])
                            .await?
                            .ok_or_else(|| {
                                StorageError::Invalid(
                                    Problem::new("store_does_not_exist").with("id", s),
                                )
                            })?;
                        franchisees.push(f);
                    }
                    if t.from_store_id == t.to_store_id {
                        return Err(StorageError::Invalid(Problem::new("transfer_same_store")));
                    }
                    if franchisees[0] != franchisees[1] {
                        return Err(StorageError::Invalid(Problem::new(
                            "transfer_other_franchisee",
                        )));
                    }
                    check_products(tx, t.lines.iter().map(|l| l.0)).await?;
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO store_transfers (from_store_id, to_store_id, created_by, created_at)
                             VALUES (?1, ?2, ?3, ?4) RETURNING id",
                            p![
                                t.from_store_id.0,
                                t.to_store_id.0,
                                &t.created_by,
                                sql::micros(now)
                            ],
                        )
                        .await?;
                    for (i, (p, q)) in t.lines.iter().enumerate() {
                        tx.execute(
                            "INSERT INTO store_transfer_lines (transfer_id, line_no, product_id, quantity_milli)
                             VALUES (?1, ?2, ?3, ?4)",
                            p![id, i as i64 + 1, p.0, q.milli()],
                        )
                        .await?;
                    }
                    load_transfer(tx, id).await
                })
            })
            .await
    }

    async fn get_transfer(&self, id: i64) -> StorageResult<Transfer> {
        self.db
            .read(move |tx| Box::pin(async move { load_transfer(tx, id).await }))
            .await
    }

    async fn list_transfers(&self, scope: Option<&[StoreId]>) -> StorageResult<Vec<Transfer>> {
        let scope = scope.map(<[StoreId]>::to_vec);
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let ids: Vec<(i64, i64, i64)> = tx
                        .query_map(
                            "SELECT id, from_store_id, to_store_id FROM store_transfers ORDER BY id DESC LIMIT 500",
                            p![],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .await?;
                    let mut out = Vec::new();
                    for (id, from, to) in ids {
                        if scope.as_ref().is_some_and(|s| {
                            !s.contains(&StoreId(from)) && !s.contains(&StoreId(to))
                        }) {
                            continue;
                        }
                        out.push(load_transfer(tx, id).await?);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn dispatch_transfer(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Transfer> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let t = lock_draft_transfer(tx, id).await?;
                    let number = po::transfer_number(sql::business_day(now).year(), id);
                    let from_name: String = tx
                        .scalar("SELECT name FROM stores WHERE id = ?1", p![t.from_store_id.0])
                        .await?;
                    let to_name: String = tx
                        .scalar("SELECT name FROM stores WHERE id = ?1", p![t.to_store_id.0])
                        .await?;
                    // The sender's cost of each line before the goods leave: its weighted average,
                    // else HQ's cost (none known: the receipt leaves the receiver's cost as it is).
                    let mut unit_costs = Vec::new();
                    for l in &t.lines {
                        let cost: Option<i64> = tx
                            .query_opt(
                                "SELECT COALESCE(
                                   (SELECT avg_cost_e4 FROM stock_levels WHERE store_id = ?1 AND product_id = ?2),
                                   (SELECT cost_e4 FROM product_stock_settings WHERE product_id = ?2))",
                                p![t.from_store_id.0, l.product_id.0],
                            )
                            .await?
                            .map(|r| r.get::<Option<i64>>(0))
                            .transpose()?
                            .flatten();
                        if let Some(c) = cost {
                            unit_costs.push((l.product_id, rules::cost_from_e4(c)));
                        }
                    }
                    let moves: Vec<(ProductId, Quantity)> =
                        t.lines.iter().map(|l| (l.product_id, -l.quantity)).collect();
                    super::stock_sql::apply_hq_moves(
                        tx,
                        t.from_store_id.0,
                        &format!("transfer:{number}"),
                        &moves,
                        &format!("{number} → {to_name}"),
                        now,
                    )
                    .await?;
                    let note = deliveries_sql::create_in(
                        tx,
                        &NewDeliveryNote {
                            store_id: t.to_store_id,
                            supplier: format!("{number} · {from_name}"),
                            expected_date: sql::business_day(now),
                            lines: t.lines.iter().map(|l| (l.product_id, l.quantity)).collect(),
                            created_by: by.clone(),
                            unit_costs,
                        },
                        now,
                    )
                    .await?;
                    tx.execute(
                        "UPDATE store_transfers SET status = 'dispatched', number = ?1, dispatched_by = ?2,
                           dispatched_at = ?3, note_id = ?4 WHERE id = ?5",
                        p![&number, &by, sql::micros(now), note.id, id],
                    )
                    .await?;
                    load_transfer(tx, id).await
                })
            })
            .await
    }

    async fn discard_transfer(
        &self,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Transfer> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    lock_draft_transfer(tx, id).await?;
                    tx.execute(
                        "UPDATE store_transfers SET status = 'discarded', discarded_by = ?1, discarded_at = ?2
                         WHERE id = ?3 AND status = 'draft'",
                        p![&by, sql::micros(now), id],
                    )
                    .await?;
                    load_transfer(tx, id).await
                })
            })
            .await
    }
}
