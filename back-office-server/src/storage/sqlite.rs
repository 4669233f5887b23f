//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`.
//! One connection behind a mutex does all the work (SQLite has one writer anyway); calls run on
//! tokio's blocking pool so the async runtime never waits on the disk.

use super::sql::{self, ChangeRow, Existing};
use super::*;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use sync_protocol::{
    BarcodeRuleRecord, GENESIS_HASH, PushResult, PushStatus, StaffId, TaxRateRecord,
    barcode::VariableMeasureRule,
};

mod dashboard;
mod deliveries;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
            && matches!(f.extended_code, 2067 | 1555)
        {
            return StorageError::Conflict(sql::unique_violation_message(
                msg.as_deref().unwrap_or_default(),
            ));
        }
        tracing::error!(error = %e, "sqlite error");
        StorageError::Backend(e.to_string())
    }
}

pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> StorageResult<Self> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StorageError::Backend(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn run<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed only when `f` succeeds.
    async fn write<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StorageResult<T> + Send + 'static,
    {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> StorageResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )?;
    let newest: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    sql::check_not_newer(newest, sql::SQLITE_MIGRATIONS)?;
    let applied: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    // Any migration not applied yet, oldest first: numbers made on parallel branches may land
    // after a higher one was applied (e.g. 0005 merged after 0006 ran).
    for m in sql::SQLITE_MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.version))
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, sql::micros(Utc::now())],
        )?;
        tx.commit()?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "sqlite migration applied"
        );
    }
    Ok(())
}

// --- helpers on a connection ------------------------------------------------------------------

fn write_change(c: &Connection, row: ChangeRow) -> StorageResult<()> {
    c.prepare_cached(
        "INSERT INTO catalog_changes (store_id, payload, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![row.store_id, row.payload, sql::micros(Utc::now())])?;
    Ok(())
}

fn load_product(c: &Connection, id: i64) -> StorageResult<Product> {
    let row = c
        .prepare_cached(
            "SELECT p.id, p.sku, p.name, p.tax_rate_id, t.rate_hundredths, p.price_cents, p.active
             FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id WHERE p.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })
        .optional()?
        .ok_or_else(|| sql::product_not_found(id))?;
    let barcodes = product_barcodes(c, id)?;
    Ok(sql::product(
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, barcodes,
    ))
}

fn product_barcodes(c: &Connection, id: i64) -> StorageResult<Vec<String>> {
    let mut st = c.prepare_cached("SELECT code FROM barcodes WHERE product_id = ?1")?;
    let v = st
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

fn barcode_owner(c: &Connection, code: &str) -> StorageResult<Option<i64>> {
    Ok(
        c.prepare_cached("SELECT product_id FROM barcodes WHERE code = ?1")?
            .query_row([code], |r| r.get(0))
            .optional()?,
    )
}

fn tax_rate_exists(c: &Connection, id: i64) -> StorageResult<bool> {
    Ok(c.prepare_cached("SELECT 1 FROM tax_rates WHERE id = ?1")?
        .exists([id])?)
}

fn exists(c: &Connection, sql_text: &str, id: i64) -> StorageResult<bool> {
    Ok(c.prepare_cached(sql_text)?.exists([id])?)
}

fn create_product_tx(tx: &Transaction<'_>, p: &NewProduct) -> StorageResult<Product> {
    if !tax_rate_exists(tx, p.tax_rate_id)? {
        return Err(sql::unknown_tax_rate(p.tax_rate_id));
    }
    if let Some(owner) = tx
        .prepare_cached("SELECT id FROM products WHERE sku = ?1")?
        .query_row([&p.sku], |r| r.get::<_, i64>(0))
        .optional()?
    {
        return Err(sql::sku_taken(&p.sku, owner));
    }
    for (i, code) in p.barcodes.iter().enumerate() {
        if p.barcodes[..i].contains(code) {
            return Err(StorageError::Conflict(format!(
                "barcode {code} is listed twice for product {}",
                p.sku
            )));
        }
        if let Some(owner) = barcode_owner(tx, code)? {
            return Err(sql::barcode_taken(code, owner));
        }
    }
    tx.prepare_cached(
        "INSERT INTO products (sku, name, tax_rate_id, price_cents, active) VALUES (?1, ?2, ?3, ?4, TRUE)",
    )?
    .execute(params![p.sku, p.name, p.tax_rate_id, p.price.cents()])?;
    let id = tx.last_insert_rowid();
    for code in &p.barcodes {
        tx.prepare_cached("INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)")?
            .execute(params![code, id])?;
    }
    let product = load_product(tx, id)?;
    write_change(tx, sql::product_change(&product)?)?;
    for code in &p.barcodes {
        write_change(tx, sql::barcode_change(code, id)?)?;
    }
    Ok(product)
}

const TILL_COLUMNS: &str = "id, store_id, name, ticket_series, enrolled_at, revoked_at, contiguous_seq, \
     last_seq, last_push_at, last_seq - doc_count, conflict_count, outbox_waiting, outbox_reported_at, \
     software_version, skipped_change_kinds, software_reported_at";

fn till_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Till> {
    Ok(Till {
        id: TillId(r.get(0)?),
        store_id: StoreId(r.get(1)?),
        name: r.get(2)?,
        ticket_series: r.get(3)?,
        enrolled_at: sql::opt_from_micros(r.get(4)?),
        revoked_at: sql::opt_from_micros(r.get(5)?),
        contiguous_seq: sql::to_u64(r.get(6)?),
        last_seq: sql::to_u64(r.get(7)?),
        last_push_at: sql::opt_from_micros(r.get(8)?),
        open_gaps: sql::to_u64(r.get(9)?),
        conflicts: sql::to_u64(r.get(10)?),
        outbox_waiting: r.get::<_, Option<i64>>(11)?.map(sql::to_u64),
        outbox_reported_at: sql::opt_from_micros(r.get(12)?),
        software_version: r.get(13)?,
        skipped_change_kinds: sql::kinds_from_text(r.get(14)?),
        software_reported_at: sql::opt_from_micros(r.get(15)?),
    })
}

fn get_till_c(c: &Connection, id: i64) -> StorageResult<Till> {
    c.prepare_cached(&format!("SELECT {TILL_COLUMNS} FROM tills WHERE id = ?1"))?
        .query_row([id], till_row)
        .optional()?
        .ok_or_else(|| sql::till_not_found(id))
}

fn store_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Store> {
    Ok(Store {
        id: StoreId(r.get(0)?),
        franchisee_id: FranchiseeId(r.get(1)?),
        name: r.get(2)?,
        address: r.get(3)?,
        receipt_footer: r.get(4)?,
        receipt_header: r.get(5)?,
        cash_tolerance: Money::from_cents(r.get(6)?),
    })
}

fn load_store(c: &Connection, id: i64) -> StorageResult<Store> {
    c.prepare_cached(&format!(
        "SELECT {} FROM stores WHERE id = ?1",
        sql::STORE_COLUMNS
    ))?
    .query_row([id], store_row)
    .optional()?
    .ok_or_else(|| sql::store_not_found(id))
}

fn franchisee_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Franchisee> {
    Ok(Franchisee {
        id: FranchiseeId(r.get(0)?),
        legal_name: r.get(1)?,
        nif: r.get(2)?,
        address: r.get(3)?,
    })
}

fn load_franchisee(c: &Connection, id: i64) -> StorageResult<Franchisee> {
    c.prepare_cached("SELECT id, legal_name, nif, address FROM franchisees WHERE id = ?1")?
        .query_row([id], franchisee_row)
        .optional()?
        .ok_or_else(|| sql::franchisee_not_found(id))
}

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Staff, String)> {
    let role: String = r.get(2)?;
    Ok((
        Staff {
            id: StaffId(r.get(0)?),
            name: r.get(1)?,
            role: sql::parse_role(&role).unwrap_or(StaffRole::Cashier),
            store_id: StoreId(r.get(3)?),
            active: r.get(4)?,
        },
        r.get(5)?,
    ))
}

fn load_staff(c: &Connection, id: i64) -> StorageResult<(Staff, String)> {
    c.prepare_cached("SELECT id, name, role, store_id, active, pin_hash FROM staff WHERE id = ?1")?
        .query_row([id], staff_row)
        .optional()?
        .ok_or_else(|| sql::staff_not_found(id))
}

fn staff_change_of(s: &Staff, pin_hash: &str) -> StorageResult<ChangeRow> {
    sql::staff_change(s.id.0, &s.name, s.role, s.store_id.0, pin_hash, s.active)
}

fn alert(
    c: &Connection,
    kind: &str,
    till_id: i64,
    message: &str,
    now: i64,
    gap: Option<(i64, i64)>,
) -> StorageResult<()> {
    c.prepare_cached(
        "INSERT INTO alerts (kind, till_id, message, created_at, gap_from, gap_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        till_id,
        message,
        now,
        gap.map(|g| g.0),
        gap.map(|g| g.1)
    ])?;
    Ok(())
}

/// Reconciles every Z close of the till whose whole range has arrived (see `reconcile`).
fn reconcile_closes(
    tx: &Transaction<'_>,
    till_id: i64,
    contiguous: i64,
    now_us: i64,
) -> StorageResult<()> {
    let closes: Vec<(String, String)> = tx
        .prepare_cached(sql::UNCHECKED_CLOSES)?
        .query_map([till_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, json) in closes {
        let Some(close) = sql::parse_close(&json)? else {
            continue;
        };
        let last = sql::to_i64(close.last_seq, "sequence")?;
        if last > contiguous {
            continue; // some documents are still on their way; checked when they arrive
        }
        let docs: Vec<Document> = tx
            .prepare_cached(sql::DOCS_IN_RANGE)?
            .query_map(
                params![till_id, sql::to_i64(close.first_seq, "sequence")?, last],
                |r| r.get::<_, String>(0),
            )?
            .map(|j| sql::parse_document(&j?))
            .collect::<Result<_, _>>()?;
        let f = reconcile::check(till_id, &close, &docs);
        for m in &f.mismatches {
            alert(tx, "z_mismatch", till_id, m, now_us, None)?;
        }
        if let Some(m) = &f.over_short {
            alert(tx, "z_over_short", till_id, m, now_us, None)?;
        }
        let state = if f.mismatches.is_empty() {
            "ok"
        } else {
            "mismatch"
        };
        let z = sql::to_i64(close.z_number, "Z number")?;
        tx.prepare_cached(sql::INSERT_CLOSE_CHECK)?
            .execute(params![id, till_id, z, state, f.mismatches.first(), now_us])?;
    }
    Ok(())
}

fn push_tx(
    tx: &Transaction<'_>,
    till: &TillAuth,
    docs: &[Document],
    now: DateTime<Utc>,
) -> StorageResult<PushResponse> {
    let till_id = till.till_id.0;
    let now_us = sql::micros(now);
    let (mut contiguous, mut last_seq): (i64, i64) = tx
        .prepare_cached("SELECT contiguous_seq, last_seq FROM tills WHERE id = ?1")?
        .query_row([till_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| sql::till_not_found(till_id))?;
    let mut stored = 0i64;
    let mut conflicts = 0i64;
    let mut results = Vec::with_capacity(docs.len());
    // (seq, hash) of the last document stored in this batch, to skip a lookup on the common path.
    let mut prev_in_batch: Option<(i64, String)> = None;

    let mut ins_doc = tx.prepare_cached(
        "INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
    )?;
    let mut by_id = tx.prepare_cached("SELECT id, seq, hash FROM documents WHERE id = ?1")?;
    let mut by_seq =
        tx.prepare_cached("SELECT id, seq, hash FROM documents WHERE till_id = ?1 AND seq = ?2")?;
    let mut hash_at =
        tx.prepare_cached("SELECT hash, prev_hash FROM documents WHERE till_id = ?1 AND seq = ?2")?;
    let mut ins_conflict = tx.prepare_cached(
        "INSERT INTO document_conflicts (document_id, till_id, seq, hash, existing_document_id, reason, json, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
    )?;
    let mut ins_sale = tx.prepare_cached(
        "INSERT INTO sales (document_id, kind, till_id, store_id, business_day, number, total_cents, net_cents, tax_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut ins_line = tx.prepare_cached(
        "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut ins_payment = tx.prepare_cached(
        "INSERT INTO sale_payments (document_id, line_no, payment_id, tender, amount_cents) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut aggregates = super::dashboard::AggDelta::default();
    let mut stored_docs: Vec<&Document> = Vec::new();
    let existing_row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Existing> {
        Ok(Existing {
            id: r.get(0)?,
            seq: r.get(1)?,
            hash: r.get(2)?,
        })
    };

    for doc in docs {
        let seq = sql::to_i64(doc.seq, "sequence")?;
        let id = doc.id.to_string();
        let json = sql::json(doc)?;
        let day = sql::day_text(sql::business_day(doc.till_time));
        let n = ins_doc.execute(params![
            id,
            till_id,
            doc.store_id.0,
            seq,
            doc.body.kind().as_str(),
            sql::micros(doc.till_time),
            day,
            doc.hash,
            doc.prev_hash,
            json,
            now_us
        ])?;
        if n == 0 {
            let (existing, is_by_id) = match by_id.query_row([&id], existing_row).optional()? {
                Some(e) => (e, true),
                None => (
                    by_seq
                        .query_row(params![till_id, seq], existing_row)
                        .optional()?
                        .ok_or_else(|| {
                            StorageError::Backend(format!(
                                "document {id} was refused by a unique key but no clash was found"
                            ))
                        })?,
                    false,
                ),
            };
            if existing.hash == doc.hash {
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Duplicate,
                    message: None,
                });
            } else {
                let reason = sql::conflict_reason(doc, &existing, is_by_id);
                let fresh = ins_conflict.execute(params![
                    id,
                    till_id,
                    seq,
                    doc.hash,
                    existing.id,
                    reason,
                    json,
                    now_us
                ])?;
                if fresh > 0 {
                    conflicts += 1;
                    alert(tx, "conflict", till_id, &reason, now_us, None)?;
                }
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Conflict,
                    message: Some(reason),
                });
            }
            continue;
        }

        aggregates.add(&day, doc);
        if let Some(s) = sql::sale_rows(doc) {
            ins_sale.execute(params![
                id,
                s.kind,
                till_id,
                doc.store_id.0,
                day,
                s.number,
                s.total_cents,
                s.net_cents,
                s.tax_cents
            ])?;
            for (i, l) in s.lines.iter().enumerate() {
                ins_line.execute(params![id, i as i64 + 1, l.0, l.1, l.2, l.3, l.4, l.5])?;
            }
            for (i, p) in s.payments.iter().enumerate() {
                ins_payment.execute(params![id, i as i64 + 1, p.0, p.1, p.2])?;
            }
        }

        // The chain, both ways: this document against its predecessor, its successor against it.
        if seq == 1 {
            if doc.prev_hash != GENESIS_HASH {
                let m =
                    format!("till {till_id}: document seq 1 does not start from the genesis hash");
                alert(tx, "chain_break", till_id, &m, now_us, None)?;
            }
        } else {
            let prev_hash = match &prev_in_batch {
                Some((s, h)) if *s == seq - 1 => Some(h.clone()),
                _ => hash_at
                    .query_row(params![till_id, seq - 1], |r| r.get::<_, String>(0))
                    .optional()?,
            };
            if prev_hash.is_some_and(|h| h != doc.prev_hash) {
                let m = sql::chain_break_message(seq, till_id, seq - 1);
                alert(tx, "chain_break", till_id, &m, now_us, None)?;
            }
        }
        // A successor can only be stored already when this document fills a hole.
        if seq < last_seq
            && let Some((_, next_prev)) = hash_at
                .query_row(params![till_id, seq + 1], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
            && next_prev != doc.hash
        {
            let m = sql::chain_break_message(seq + 1, till_id, seq);
            alert(tx, "chain_break", till_id, &m, now_us, None)?;
        }

        if seq > last_seq + 1 {
            let m = sql::gap_message(till_id, last_seq + 1, seq - 1);
            alert(
                tx,
                "gap",
                till_id,
                &m,
                now_us,
                Some((last_seq + 1, seq - 1)),
            )?;
        }
        last_seq = last_seq.max(seq);
        stored += 1;
        stored_docs.push(doc);
        prev_in_batch = Some((seq, doc.hash.clone()));
        results.push(PushResult {
            id: doc.id,
            seq: doc.seq,
            status: PushStatus::Stored,
            message: None,
        });
    }

    dashboard::apply_aggregates(tx, &aggregates)?;
    deliveries::apply_receipts(tx, till_id, &stored_docs, now_us)?;
    if stored > 0 {
        let mut st = tx.prepare_cached(
            "SELECT seq FROM documents WHERE till_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = st.query(params![till_id, contiguous])?;
        while let Some(r) = rows.next()? {
            let s: i64 = r.get(0)?;
            if s != contiguous + 1 {
                break;
            }
            contiguous = s;
        }
        tx.prepare_cached(
            "UPDATE alerts SET resolved_at = ?1, message = message || ?2
             WHERE till_id = ?3 AND kind = 'gap' AND resolved_at IS NULL AND gap_to <= ?4",
        )?
        .execute(params![now_us, sql::GAP_CLOSED_SUFFIX, till_id, contiguous])?;
        reconcile_closes(tx, till_id, contiguous, now_us)?;
    }
    tx.prepare_cached(
        "UPDATE tills SET contiguous_seq = ?1, last_seq = ?2, doc_count = doc_count + ?3,
         conflict_count = conflict_count + ?4, last_push_at = ?5 WHERE id = ?6",
    )?
    .execute(params![
        contiguous, last_seq, stored, conflicts, now_us, till_id
    ])?;
    Ok(PushResponse {
        results,
        contiguous_seq: sql::to_u64(contiguous),
    })
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StorageResult<()> {
        self.run(|c| {
            c.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn create_admin(&self, name: &str, token_hash: &str) -> StorageResult<i64> {
        let (name, token_hash) = (name.to_string(), token_hash.to_string());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO admins (name, token_hash, created_at) VALUES (?1, ?2, ?3)",
                params![name, token_hash, sql::micros(Utc::now())],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    async fn admin_count(&self) -> StorageResult<u64> {
        self.run(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM admins", [], |r| r.get(0))?;
            Ok(sql::to_u64(n))
        })
        .await
    }

    async fn admin_by_token(&self, token_hash: &str) -> StorageResult<Option<i64>> {
        let token_hash = token_hash.to_string();
        self.run(move |c| {
            Ok(
                c.prepare_cached("SELECT id FROM admins WHERE token_hash = ?1")?
                    .query_row([token_hash], |r| r.get(0))
                    .optional()?,
            )
        })
        .await
    }

    async fn create_franchisee(&self, f: &NewFranchisee) -> StorageResult<Franchisee> {
        let f = f.clone();
        self.write(move |tx| {
            if let Some(owner) = tx
                .query_row("SELECT id FROM franchisees WHERE nif = ?1", [&f.nif], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
            {
                return Err(sql::nif_taken(&f.nif, owner));
            }
            tx.execute(
                "INSERT INTO franchisees (legal_name, nif, address) VALUES (?1, ?2, ?3)",
                params![f.legal_name, f.nif, f.address],
            )?;
            Ok(Franchisee {
                id: FranchiseeId(tx.last_insert_rowid()),
                legal_name: f.legal_name,
                nif: f.nif,
                address: f.address,
            })
        })
        .await
    }

    async fn list_franchisees(&self) -> StorageResult<Vec<Franchisee>> {
        self.run(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, legal_name, nif, address FROM franchisees ORDER BY id",
            )?;
            let v = st
                .query_map([], franchisee_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn get_franchisee(&self, id: FranchiseeId) -> StorageResult<Franchisee> {
        self.run(move |c| load_franchisee(c, id.0)).await
    }

    async fn update_franchisee(
        &self,
        id: FranchiseeId,
        patch: &FranchiseePatch,
    ) -> StorageResult<Franchisee> {
        let patch = patch.clone();
        self.write(move |tx| {
            let f = sql::patched_franchisee(load_franchisee(tx, id.0)?, &patch);
            if let Some(owner) = tx
                .query_row(
                    "SELECT id FROM franchisees WHERE nif = ?1 AND id <> ?2",
                    params![f.nif, id.0],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
            {
                return Err(sql::nif_taken(&f.nif, owner));
            }
            tx.execute(
                "UPDATE franchisees SET legal_name = ?1, nif = ?2, address = ?3 WHERE id = ?4",
                params![f.legal_name, f.nif, f.address, id.0],
            )?;
            let stores = tx
                .prepare_cached(&format!(
                    "SELECT {} FROM stores WHERE franchisee_id = ?1 ORDER BY id",
                    sql::STORE_COLUMNS
                ))?
                .query_map([id.0], store_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for s in &stores {
                write_change(tx, sql::store_change(s, &f.legal_name, &f.nif)?)?;
            }
            Ok(f)
        })
        .await
    }

    async fn create_store(&self, s: &NewStore) -> StorageResult<Store> {
        let s = s.clone();
        self.write(move |tx| {
            let (legal_name, nif): (String, String) = tx
                .query_row(
                    "SELECT legal_name, nif FROM franchisees WHERE id = ?1",
                    [s.franchisee_id.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| sql::franchisee_not_found(s.franchisee_id.0))?;
            tx.execute(
                "INSERT INTO stores (franchisee_id, name, address, receipt_footer, receipt_header, cash_tolerance_cents)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.franchisee_id.0,
                    s.name,
                    s.address,
                    s.receipt_footer,
                    s.receipt_header,
                    s.cash_tolerance.cents()
                ],
            )?;
            let store = Store {
                id: StoreId(tx.last_insert_rowid()),
                franchisee_id: s.franchisee_id,
                name: s.name,
                address: s.address,
                receipt_header: s.receipt_header,
                receipt_footer: s.receipt_footer,
                cash_tolerance: s.cash_tolerance,
            };
            write_change(tx, sql::store_change(&store, &legal_name, &nif)?)?;
            Ok(store)
        })
        .await
    }

    async fn list_stores(&self) -> StorageResult<Vec<Store>> {
        self.run(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {} FROM stores ORDER BY id",
                sql::STORE_COLUMNS
            ))?;
            let v = st
                .query_map([], store_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Store> {
        self.run(move |c| load_store(c, id.0)).await
    }

    async fn update_store(&self, id: StoreId, patch: &StorePatch) -> StorageResult<Store> {
        let patch = patch.clone();
        self.write(move |tx| {
            let s = sql::patched_store(load_store(tx, id.0)?, &patch);
            tx.execute(
                "UPDATE stores SET name = ?1, address = ?2, receipt_header = ?3, receipt_footer = ?4,
                 cash_tolerance_cents = ?5 WHERE id = ?6",
                params![
                    s.name,
                    s.address,
                    s.receipt_header,
                    s.receipt_footer,
                    s.cash_tolerance.cents(),
                    id.0
                ],
            )?;
            let f = load_franchisee(tx, s.franchisee_id.0)?;
            write_change(tx, sql::store_change(&s, &f.legal_name, &f.nif)?)?;
            Ok(s)
        })
        .await
    }

    async fn create_till(
        &self,
        store_id: StoreId,
        name: &str,
        code_hash: &str,
        code_expires_at: DateTime<Utc>,
    ) -> StorageResult<Till> {
        let (name, code_hash) = (name.to_string(), code_hash.to_string());
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", store_id.0)? {
                return Err(sql::store_not_found(store_id.0));
            }
            tx.execute(
                "INSERT INTO tills (store_id, name, ticket_series, code_hash, code_expires_at) VALUES (?1, ?2, '', ?3, ?4)",
                params![store_id.0, name, code_hash, sql::micros(code_expires_at)],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE tills SET ticket_series = ?1 WHERE id = ?2",
                params![sql::ticket_series(id), id],
            )?;
            get_till_c(tx, id)
        })
        .await
    }

    async fn enroll_till(
        &self,
        code_hash: &str,
        enrolment_id_hash: Option<&str>,
        device_name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<EnrolledTill> {
        let (code_hash, device_name, token_hash) = (
            code_hash.to_string(),
            device_name.to_string(),
            token_hash.to_string(),
        );
        let enrolment_id_hash = enrolment_id_hash.map(str::to_string);
        self.write(move |tx| {
            let now_us = sql::micros(now);
            // A retry of an enrolment already committed: same code, same enrolment id.
            let retried: Option<(i64, i64, i64, String)> = match &enrolment_id_hash {
                None => None,
                Some(e) => tx
                    .query_row(
                        "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                         WHERE t.code_hash = ?1 AND t.code_used_at IS NOT NULL AND t.enrolment_id_hash = ?2
                           AND t.revoked_at IS NULL AND t.code_expires_at > ?3",
                        params![code_hash, e, now_us],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?,
            };
            if let Some((id, store, franchisee, series)) = retried {
                tx.execute(
                    "UPDATE tills SET token_hash = ?1, device_name = ?2 WHERE id = ?3",
                    params![token_hash, device_name, id],
                )?;
                return Ok(EnrolledTill {
                    till_id: TillId(id),
                    store_id: StoreId(store),
                    franchisee_id: FranchiseeId(franchisee),
                    ticket_series: series,
                });
            }
            let found: Option<(i64, i64, i64, String)> = tx
                .query_row(
                    "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                     WHERE t.code_hash = ?1 AND t.code_used_at IS NULL AND t.revoked_at IS NULL AND t.code_expires_at > ?2",
                    params![code_hash, now_us],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (id, store, franchisee, series) =
                found.ok_or_else(|| StorageError::Invalid(sql::ENROL_CODE_INVALID.into()))?;
            let n = tx.execute(
                "UPDATE tills SET code_used_at = ?1, enrolled_at = ?1, device_name = ?2, token_hash = ?3,
                   enrolment_id_hash = ?5
                 WHERE id = ?4 AND code_used_at IS NULL",
                params![now_us, device_name, token_hash, id, enrolment_id_hash],
            )?;
            if n != 1 {
                return Err(StorageError::Invalid(sql::ENROL_CODE_INVALID.into()));
            }
            Ok(EnrolledTill {
                till_id: TillId(id),
                store_id: StoreId(store),
                franchisee_id: FranchiseeId(franchisee),
                ticket_series: series,
            })
        })
        .await
    }

    async fn till_by_token(&self, token_hash: &str) -> StorageResult<Option<TillAuth>> {
        let token_hash = token_hash.to_string();
        self.run(move |c| {
            Ok(c.prepare_cached(
                "SELECT t.id, t.store_id, s.franchisee_id, t.revoked_at IS NOT NULL
                 FROM tills t JOIN stores s ON s.id = t.store_id WHERE t.token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(TillAuth {
                    till_id: TillId(r.get(0)?),
                    store_id: StoreId(r.get(1)?),
                    franchisee_id: FranchiseeId(r.get(2)?),
                    revoked: r.get(3)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn revoke_till(&self, till_id: TillId, now: DateTime<Utc>) -> StorageResult<()> {
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE tills SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
                params![sql::micros(now), till_id.0],
            )?;
            if n == 0 {
                return Err(sql::till_not_found(till_id.0));
            }
            Ok(())
        })
        .await
    }

    async fn list_tills(&self) -> StorageResult<Vec<Till>> {
        self.run(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {TILL_COLUMNS} FROM tills ORDER BY id"))?;
            let v = st.query_map([], till_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn get_till(&self, till_id: TillId) -> StorageResult<Till> {
        self.run(move |c| get_till_c(c, till_id.0)).await
    }

    async fn report_outbox(
        &self,
        till_id: TillId,
        waiting: u64,
        at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let waiting = i64::try_from(waiting).map_err(|_| {
            StorageError::Invalid(format!("{waiting} documents waiting is not a count"))
        })?;
        self.write(move |tx| {
            if !tx
                .prepare_cached("SELECT 1 FROM tills WHERE id = ?1")?
                .exists([till_id.0])?
            {
                return Err(sql::till_not_found(till_id.0));
            }
            tx.execute(
                "UPDATE tills SET outbox_waiting = ?1, outbox_reported_at = ?2
                 WHERE id = ?3 AND (outbox_reported_at IS NULL OR outbox_reported_at <= ?2)",
                params![waiting, sql::micros(at), till_id.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn report_software(
        &self,
        till_id: TillId,
        version: &str,
        skipped_kinds: &[String],
        at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let (version, kinds) = (version.to_string(), sql::kinds_text(skipped_kinds));
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE tills SET software_version = ?1, skipped_change_kinds = ?2, software_reported_at = ?3
                 WHERE id = ?4 AND (software_reported_at IS NULL OR software_reported_at <= ?3)",
                params![version, kinds, sql::micros(at), till_id.0],
            )?;
            if n == 0 && !exists(tx, "SELECT 1 FROM tills WHERE id = ?1", till_id.0)? {
                return Err(sql::till_not_found(till_id.0));
            }
            Ok(())
        })
        .await
    }

    async fn create_staff(&self, s: &NewStaff) -> StorageResult<Staff> {
        let s = s.clone();
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.store_id.0)? {
                return Err(sql::store_not_found(s.store_id.0));
            }
            tx.execute(
                "INSERT INTO staff (name, role, store_id, pin_hash, active) VALUES (?1, ?2, ?3, ?4, TRUE)",
                params![s.name, sql::role_text(s.role), s.store_id.0, s.pin_hash],
            )?;
            let staff = Staff {
                id: StaffId(tx.last_insert_rowid()),
                name: s.name,
                role: s.role,
                store_id: s.store_id,
                active: true,
            };
            write_change(tx, staff_change_of(&staff, &s.pin_hash)?)?;
            Ok(staff)
        })
        .await
    }

    async fn list_staff(&self, store_id: Option<StoreId>) -> StorageResult<Vec<Staff>> {
        self.run(move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, name, role, store_id, active, pin_hash FROM staff
                 WHERE ?1 IS NULL OR store_id = ?1 ORDER BY id",
            )?;
            let v = st
                .query_map([store_id.map(|s| s.0)], staff_row)?
                .map(|r| r.map(|(s, _)| s))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn set_staff_pin(&self, id: StaffId, pin_hash: &str) -> StorageResult<()> {
        let pin_hash = pin_hash.to_string();
        self.write(move |tx| {
            let (staff, _) = load_staff(tx, id.0)?;
            tx.execute(
                "UPDATE staff SET pin_hash = ?1 WHERE id = ?2",
                params![pin_hash, id.0],
            )?;
            write_change(tx, staff_change_of(&staff, &pin_hash)?)?;
            Ok(())
        })
        .await
    }

    async fn deactivate_staff(&self, id: StaffId) -> StorageResult<()> {
        self.write(move |tx| {
            let (mut staff, pin_hash) = load_staff(tx, id.0)?;
            tx.execute("UPDATE staff SET active = FALSE WHERE id = ?1", [id.0])?;
            staff.active = false;
            write_change(tx, staff_change_of(&staff, &pin_hash)?)?;
            Ok(())
        })
        .await
    }

    async fn create_tax_rate(&self, t: &NewTaxRate) -> StorageResult<TaxRateRecord> {
        let t = t.clone();
        self.write(move |tx| {
            if exists_text(tx, "SELECT 1 FROM tax_rates WHERE name = ?1", &t.name)? {
                return Err(sql::tax_rate_name_taken(&t.name));
            }
            tx.execute(
                "INSERT INTO tax_rates (name, rate_hundredths) VALUES (?1, ?2)",
                params![t.name, t.rate.hundredths()],
            )?;
            let rec = TaxRateRecord {
                id: tx.last_insert_rowid(),
                name: t.name,
                rate: t.rate,
            };
            write_change(
                tx,
                ChangeRow::global(&sync_protocol::CatalogChange::TaxRate(rec.clone()))?,
            )?;
            Ok(rec)
        })
        .await
    }

    async fn list_tax_rates(&self) -> StorageResult<Vec<TaxRateRecord>> {
        self.run(|c| {
            let mut st =
                c.prepare_cached("SELECT id, name, rate_hundredths FROM tax_rates ORDER BY id")?;
            let v = st
                .query_map([], |r| {
                    Ok(TaxRateRecord {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        rate: sql::tax_rate_from(r.get(2)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(v)
        })
        .await
    }

    async fn create_product(&self, p: &NewProduct) -> StorageResult<Product> {
        let p = p.clone();
        self.write(move |tx| create_product_tx(tx, &p)).await
    }

    async fn import_products(&self, ps: &[NewProduct]) -> StorageResult<u64> {
        let ps = ps.to_vec();
        self.write(move |tx| {
            for p in &ps {
                create_product_tx(tx, p)?;
            }
            Ok(ps.len() as u64)
        })
        .await
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        let patch = patch.clone();
        self.write(move |tx| {
            let old = load_product(tx, id.0)?;
            if let Some(t) = patch.tax_rate_id
                && !tax_rate_exists(tx, t)?
            {
                return Err(sql::unknown_tax_rate(t));
            }
            tx.execute(
                "UPDATE products SET name = ?1, tax_rate_id = ?2, price_cents = ?3, active = ?4 WHERE id = ?5",
                params![
                    patch.name.unwrap_or(old.name),
                    patch.tax_rate_id.unwrap_or(old.tax_rate_id),
                    patch.price.unwrap_or(old.price).cents(),
                    patch.active.unwrap_or(old.active),
                    id.0
                ],
            )?;
            let product = load_product(tx, id.0)?;
            write_change(tx, sql::product_change(&product)?)?;
            Ok(product)
        })
        .await
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        self.run(move |c| load_product(c, id.0)).await
    }

    async fn list_products(
        &self,
        query: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StorageResult<Vec<Product>> {
        let pattern = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(sql::like_pattern);
        self.run(move |c| {
            let mut st = c.prepare_cached(
                "SELECT p.id, p.sku, p.name, p.tax_rate_id, t.rate_hundredths, p.price_cents, p.active
                 FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id
                 WHERE ?1 IS NULL OR p.name LIKE ?1 ESCAPE '\\' OR p.sku LIKE ?1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM barcodes b WHERE b.product_id = p.id AND b.code LIKE ?1 ESCAPE '\\')
                 ORDER BY p.id LIMIT ?2 OFFSET ?3",
            )?;
            let rows = st
                .query_map(
                    params![
                        pattern,
                        i64::try_from(limit).unwrap_or(i64::MAX),
                        i64::try_from(offset).unwrap_or(i64::MAX)
                    ],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, bool>(6)?,
                        ))
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|r| {
                    let b = product_barcodes(c, r.0)?;
                    Ok(sql::product(r.0, r.1, r.2, r.3, r.4, r.5, r.6, b))
                })
                .collect()
        })
        .await
    }

    async fn add_barcode(&self, product_id: ProductId, code: &str) -> StorageResult<()> {
        let code = code.to_string();
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM products WHERE id = ?1", product_id.0)? {
                return Err(sql::product_not_found(product_id.0));
            }
            match barcode_owner(tx, &code)? {
                Some(owner) if owner == product_id.0 => return Ok(()),
                Some(owner) => return Err(sql::barcode_taken(&code, owner)),
                None => {}
            }
            tx.execute(
                "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)",
                params![code, product_id.0],
            )?;
            write_change(tx, sql::barcode_change(&code, product_id.0)?)
        })
        .await
    }

    async fn remove_barcode(&self, code: &str) -> StorageResult<()> {
        let code = code.to_string();
        self.write(move |tx| {
            let n = tx.execute("DELETE FROM barcodes WHERE code = ?1", [&code])?;
            if n == 0 {
                return Err(sql::barcode_not_found(&code));
            }
            write_change(tx, sql::barcode_deleted_change(&code)?)
        })
        .await
    }

    async fn set_store_price(
        &self,
        store_id: StoreId,
        product_id: ProductId,
        price: Option<Money>,
    ) -> StorageResult<()> {
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", store_id.0)? {
                return Err(sql::store_not_found(store_id.0));
            }
            if !exists(tx, "SELECT 1 FROM products WHERE id = ?1", product_id.0)? {
                return Err(sql::product_not_found(product_id.0));
            }
            match price {
                Some(p) => tx.execute(
                    "INSERT INTO store_prices (store_id, product_id, price_cents) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store_id, product_id) DO UPDATE SET price_cents = excluded.price_cents",
                    params![store_id.0, product_id.0, p.cents()],
                )?,
                None => tx.execute(
                    "DELETE FROM store_prices WHERE store_id = ?1 AND product_id = ?2",
                    params![store_id.0, product_id.0],
                )?,
            };
            write_change(
                tx,
                sql::store_price_change(store_id.0, product_id.0, price)?,
            )
        })
        .await
    }

    async fn list_barcode_rules(&self) -> StorageResult<Vec<BarcodeRuleRecord>> {
        self.run(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, prefix, kind, item_digits, value_digits, decimals, verifier
                 FROM barcode_rules ORDER BY id",
            )?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, bool>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(id, p, k, i, v, d, ver)| sql::barcode_rule(id, p, &k, i, v, d, ver))
                .collect()
        })
        .await
    }

    async fn create_barcode_rule(
        &self,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let r = r.clone();
        self.write(move |tx| {
            if exists_text(tx, "SELECT 1 FROM barcode_rules WHERE prefix = ?1", &r.prefix)? {
                return Err(sql::barcode_rule_prefix_taken(&r.prefix));
            }
            tx.execute(
                "INSERT INTO barcode_rules (prefix, kind, item_digits, value_digits, decimals, verifier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    r.prefix,
                    sql::measure_kind_text(r.kind),
                    sql::to_i64(r.item_digits as u64, "item_digits")?,
                    sql::to_i64(r.value_digits as u64, "value_digits")?,
                    i64::from(r.decimals),
                    r.verifier
                ],
            )?;
            let rec = BarcodeRuleRecord::new(tx.last_insert_rowid(), &r);
            write_change(tx, sql::barcode_rule_change(rec.id, Some(&rec))?)?;
            Ok(rec)
        })
        .await
    }

    async fn update_barcode_rule(
        &self,
        id: i64,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let r = r.clone();
        self.write(move |tx| {
            if !exists(tx, "SELECT 1 FROM barcode_rules WHERE id = ?1", id)? {
                return Err(sql::barcode_rule_not_found(id));
            }
            let other: Option<i64> = tx
                .query_row(
                    "SELECT id FROM barcode_rules WHERE prefix = ?1 AND id <> ?2",
                    params![r.prefix, id],
                    |row| row.get(0),
                )
                .optional()?;
            if other.is_some() {
                return Err(sql::barcode_rule_prefix_taken(&r.prefix));
            }
            tx.execute(
                "UPDATE barcode_rules SET prefix = ?1, kind = ?2, item_digits = ?3, value_digits = ?4,
                   decimals = ?5, verifier = ?6 WHERE id = ?7",
                params![
                    r.prefix,
                    sql::measure_kind_text(r.kind),
                    sql::to_i64(r.item_digits as u64, "item_digits")?,
                    sql::to_i64(r.value_digits as u64, "value_digits")?,
                    i64::from(r.decimals),
                    r.verifier,
                    id
                ],
            )?;
            let rec = BarcodeRuleRecord::new(id, &r);
            write_change(tx, sql::barcode_rule_change(id, Some(&rec))?)?;
            Ok(rec)
        })
        .await
    }

    async fn delete_barcode_rule(&self, id: i64) -> StorageResult<()> {
        self.write(move |tx| {
            let n = tx.execute("DELETE FROM barcode_rules WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(sql::barcode_rule_not_found(id));
            }
            write_change(tx, sql::barcode_rule_change(id, None)?)
        })
        .await
    }

    async fn changes_after(
        &self,
        store_id: StoreId,
        cursor: i64,
        limit: u32,
    ) -> StorageResult<ChangesPage> {
        let limit = sql::page_limit(limit);
        self.run(move |c| {
            let mut st = c.prepare_cached(
                "SELECT cursor, store_id, payload FROM catalog_changes
                 WHERE cursor > ?1 AND (store_id IS NULL OR store_id = ?2) ORDER BY cursor LIMIT ?3",
            )?;
            let rows = st
                .query_map(params![cursor, store_id.0, i64::from(limit) + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let end: Option<i64> =
                c.query_row("SELECT MAX(cursor) FROM catalog_changes", [], |r| r.get(0))?;
            sql::changes_page(store_id, cursor, limit, rows, end)
        })
        .await
    }

    async fn push(
        &self,
        till: &TillAuth,
        docs: &[Document],
        now: DateTime<Utc>,
    ) -> StorageResult<PushResponse> {
        let (till, docs) = (till.clone(), docs.to_vec());
        self.write(move |tx| push_tx(tx, &till, &docs, now)).await
    }

    async fn sales_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        group: ReportGroup,
    ) -> StorageResult<Vec<SalesReportRow>> {
        self.run(move |c| {
            let mut st = c.prepare_cached(&sql::report_sql(group, false, "?1", "?2"))?;
            let rows = st
                .query_map(params![sql::day_text(from), sql::day_text(to)], |r| {
                    Ok((
                        r.get::<_, Option<i64>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|r| sql::report_row(r.0, r.1, r.2, r.3, r.4, r.5, r.6))
                .collect()
        })
        .await
    }

    fn dashboard(&self) -> &dyn super::dashboard::DashboardStorage {
        self
    }

    fn deliveries(&self) -> &dyn super::deliveries::DeliveryStorage {
        self
    }

    async fn list_alerts(&self) -> StorageResult<Vec<Alert>> {
        self.run(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, kind, till_id, message, created_at FROM alerts ORDER BY id",
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
}

fn exists_text(c: &Connection, sql_text: &str, v: &str) -> StorageResult<bool> {
    Ok(c.prepare_cached(sql_text)?.exists([v])?)
}
