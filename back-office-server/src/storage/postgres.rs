//! The PostgreSQL backend: several stateless server instances can share one database.
//! Same schema semantics as SQLite. Writers of the change log are serialised with a transaction-level
//! advisory lock so cursors commit in order (a till never skips a change); pushes lock their till's row.

use super::sql::{self, ChangeRow, Existing};
use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use sync_protocol::{
    BarcodeRuleRecord, GENESIS_HASH, PushResult, PushStatus, StaffId, TaxRateRecord,
    barcode::VariableMeasureRule,
};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

mod dashboard;
mod deliveries;

/// Key of the advisory lock every transaction takes before it writes change-log rows.
const CHANGE_LOG_LOCK: i64 = 0x5452_4153_0001;
/// Key of the advisory lock held while migrating, so two instances starting together do not race.
const MIGRATION_LOCK: i64 = 0x5452_4153_0002;

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            let detail = e
                .as_db_error()
                .map(|d| format!("{} {}", d.constraint().unwrap_or_default(), d.message()))
                .unwrap_or_default();
            return StorageError::Conflict(sql::unique_violation_message(&detail));
        }
        tracing::error!(error = %e, "postgres error");
        StorageError::Backend(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for StorageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        tracing::error!(error = %e, "postgres pool error");
        StorageError::Backend(format!("no database connection: {e}"))
    }
}

pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// Connects to `url` (postgres://… or postgresql://…) and brings the schema up to date.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let cfg = tokio_postgres::Config::from_str(url)
            .map_err(|e| StorageError::Invalid(format!("bad PostgreSQL URL: {e}")))?;
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(16)
            .build()
            .map_err(|e| StorageError::Backend(format!("building the connection pool: {e}")))?;
        let s = Self { pool };
        s.migrate().await?;
        Ok(s)
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    async fn migrate(&self) -> StorageResult<()> {
        let mut c = self.client().await?;
        loop {
            let tx = c.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
            let newest: i64 = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                    &[],
                )
                .await?
                .get(0);
            sql::check_not_newer(newest, sql::POSTGRES_MIGRATIONS)?;
            let applied: Vec<i64> = tx
                .query("SELECT version FROM schema_migrations", &[])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            // Any migration not applied yet, oldest first: numbers made on parallel branches may
            // land after a higher one was applied (e.g. 0005 merged after 0006 ran).
            let Some(m) = sql::POSTGRES_MIGRATIONS
                .iter()
                .find(|m| !applied.contains(&m.version))
            else {
                tx.commit().await?;
                return Ok(());
            };
            tx.batch_execute(m.sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &sql::micros(Utc::now())],
            )
            .await?;
            tx.commit().await?;
            tracing::info!(
                version = m.version,
                name = m.name,
                "postgres migration applied"
            );
        }
    }
}

// --- scratch databases for tests ----------------------------------------------------------------

/// `url` with its database name replaced by `db` (keeps user, host, port and query parameters).
fn with_database(url: &str, db: &str) -> StorageResult<String> {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let scheme_end = main
        .find("://")
        .ok_or_else(|| StorageError::Invalid(format!("not a postgres:// URL: {url}")))?
        + 3;
    let base = match main[scheme_end..].find('/') {
        Some(i) => &main[..scheme_end + i],
        None => main,
    };
    Ok(match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    })
}

fn database_of(url: &str) -> StorageResult<String> {
    let cfg = tokio_postgres::Config::from_str(url)
        .map_err(|e| StorageError::Invalid(format!("bad PostgreSQL URL: {e}")))?;
    cfg.get_dbname()
        .map(str::to_string)
        .ok_or_else(|| StorageError::Invalid(format!("{url} names no database")))
}

async fn admin_connect(base_url: &str) -> StorageResult<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(base_url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!(error = %e, "scratch-database admin connection ended");
        }
    });
    Ok(client)
}

/// Creates an empty database `trastienda_test_<uuid>` on the server of `base_url` and returns its URL.
pub async fn create_scratch_database(base_url: &str) -> Result<String, StorageError> {
    let name = format!("trastienda_test_{}", uuid::Uuid::new_v4().simple());
    let client = admin_connect(base_url).await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    with_database(base_url, &name)
}

/// Drops a database made by [`create_scratch_database`] (`url` is what it returned), closing its connections.
pub async fn drop_scratch_database(base_url: &str, url: &str) -> Result<(), StorageError> {
    let name = database_of(url)?;
    if !name.starts_with("trastienda_test_")
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(StorageError::Invalid(format!(
            "refusing to drop {name:?}: not a scratch database"
        )));
    }
    let client = admin_connect(base_url).await?;
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}

// --- helpers inside a transaction ---------------------------------------------------------------

async fn write_changes(tx: &Tx<'_>, rows: Vec<ChangeRow>) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Serialise change-log writers: cursors are taken under the lock, so they commit in order.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOG_LOCK])
        .await?;
    let st = tx
        .prepare_cached(
            "INSERT INTO catalog_changes (store_id, payload, created_at) VALUES ($1, $2, $3)",
        )
        .await?;
    let now = sql::micros(Utc::now());
    for r in rows {
        tx.execute(&st, &[&r.store_id, &r.payload, &now]).await?;
    }
    Ok(())
}

async fn exists(tx: &impl tokio_postgres::GenericClient, q: &str, id: i64) -> StorageResult<bool> {
    Ok(tx.query_opt(q, &[&id]).await?.is_some())
}

async fn load_product(c: &impl tokio_postgres::GenericClient, id: i64) -> StorageResult<Product> {
    let row = c
        .query_opt(
            "SELECT p.id, p.sku, p.name, p.tax_rate_id, t.rate_hundredths, p.price_cents, p.active
             FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id WHERE p.id = $1",
            &[&id],
        )
        .await?
        .ok_or_else(|| sql::product_not_found(id))?;
    let barcodes = product_barcodes(c, id).await?;
    Ok(sql::product(
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
        row.get(6),
        barcodes,
    ))
}

async fn product_barcodes(
    c: &impl tokio_postgres::GenericClient,
    id: i64,
) -> StorageResult<Vec<String>> {
    Ok(
        c.query("SELECT code FROM barcodes WHERE product_id = $1", &[&id])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    )
}

async fn barcode_owner(tx: &Tx<'_>, code: &str) -> StorageResult<Option<i64>> {
    Ok(tx
        .query_opt("SELECT product_id FROM barcodes WHERE code = $1", &[&code])
        .await?
        .map(|r| r.get(0)))
}

async fn create_product_tx(
    tx: &Tx<'_>,
    p: &NewProduct,
    changes: &mut Vec<ChangeRow>,
) -> StorageResult<Product> {
    if !exists(
        &**tx,
        "SELECT 1 FROM tax_rates WHERE id = $1",
        p.tax_rate_id,
    )
    .await?
    {
        return Err(sql::unknown_tax_rate(p.tax_rate_id));
    }
    if let Some(r) = tx
        .query_opt("SELECT id FROM products WHERE sku = $1", &[&p.sku])
        .await?
    {
        return Err(sql::sku_taken(&p.sku, r.get(0)));
    }
    for (i, code) in p.barcodes.iter().enumerate() {
        if p.barcodes[..i].contains(code) {
            return Err(StorageError::Conflict(format!(
                "barcode {code} is listed twice for product {}",
                p.sku
            )));
        }
        if let Some(owner) = barcode_owner(tx, code).await? {
            return Err(sql::barcode_taken(code, owner));
        }
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO products (sku, name, tax_rate_id, price_cents, active)
             VALUES ($1, $2, $3, $4, TRUE) RETURNING id",
            &[&p.sku, &p.name, &p.tax_rate_id, &p.price.cents()],
        )
        .await?
        .get(0);
    for code in &p.barcodes {
        tx.execute(
            "INSERT INTO barcodes (code, product_id) VALUES ($1, $2)",
            &[code, &id],
        )
        .await?;
    }
    let product = load_product(&**tx, id).await?;
    changes.push(sql::product_change(&product)?);
    for code in &p.barcodes {
        changes.push(sql::barcode_change(code, id)?);
    }
    Ok(product)
}

const TILL_COLUMNS: &str = "id, store_id, name, ticket_series, enrolled_at, revoked_at, contiguous_seq, \
     last_seq, last_push_at, last_seq - doc_count, conflict_count, outbox_waiting, outbox_reported_at, \
     software_version, skipped_change_kinds, software_reported_at";

fn till_row(r: &tokio_postgres::Row) -> Till {
    Till {
        id: TillId(r.get(0)),
        store_id: StoreId(r.get(1)),
        name: r.get(2),
        ticket_series: r.get(3),
        enrolled_at: sql::opt_from_micros(r.get(4)),
        revoked_at: sql::opt_from_micros(r.get(5)),
        contiguous_seq: sql::to_u64(r.get(6)),
        last_seq: sql::to_u64(r.get(7)),
        last_push_at: sql::opt_from_micros(r.get(8)),
        open_gaps: sql::to_u64(r.get(9)),
        conflicts: sql::to_u64(r.get(10)),
        outbox_waiting: r.get::<_, Option<i64>>(11).map(sql::to_u64),
        outbox_reported_at: sql::opt_from_micros(r.get(12)),
        software_version: r.get(13),
        skipped_change_kinds: sql::kinds_from_text(r.get(14)),
        software_reported_at: sql::opt_from_micros(r.get(15)),
    }
}

async fn get_till_c(c: &impl tokio_postgres::GenericClient, id: i64) -> StorageResult<Till> {
    c.query_opt(
        &format!("SELECT {TILL_COLUMNS} FROM tills WHERE id = $1"),
        &[&id],
    )
    .await?
    .map(|r| till_row(&r))
    .ok_or_else(|| sql::till_not_found(id))
}

fn store_row(r: &tokio_postgres::Row) -> Store {
    Store {
        id: StoreId(r.get(0)),
        franchisee_id: FranchiseeId(r.get(1)),
        name: r.get(2),
        address: r.get(3),
        receipt_footer: r.get(4),
        receipt_header: r.get(5),
        cash_tolerance: Money::from_cents(r.get(6)),
    }
}

fn franchisee_row(r: &tokio_postgres::Row) -> Franchisee {
    Franchisee {
        id: FranchiseeId(r.get(0)),
        legal_name: r.get(1),
        nif: r.get(2),
        address: r.get(3),
    }
}

/// A franchisee, locked for update when `lock` (so its stores' changes carry what commits).
async fn load_franchisee(
    c: &impl tokio_postgres::GenericClient,
    id: i64,
    lock: bool,
) -> StorageResult<Franchisee> {
    let q = format!(
        "SELECT id, legal_name, nif, address FROM franchisees WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    c.query_opt(&q, &[&id])
        .await?
        .map(|r| franchisee_row(&r))
        .ok_or_else(|| sql::franchisee_not_found(id))
}

fn staff_row(r: &tokio_postgres::Row) -> StorageResult<(Staff, String)> {
    let role: String = r.get(2);
    Ok((
        Staff {
            id: StaffId(r.get(0)),
            name: r.get(1),
            role: sql::parse_role(&role)?,
            store_id: StoreId(r.get(3)),
            active: r.get(4),
        },
        r.get(5),
    ))
}

async fn load_staff(tx: &Tx<'_>, id: i64) -> StorageResult<(Staff, String)> {
    let r = tx
        .query_opt(
            "SELECT id, name, role, store_id, active, pin_hash FROM staff WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .ok_or_else(|| sql::staff_not_found(id))?;
    staff_row(&r)
}

fn staff_change_of(s: &Staff, pin_hash: &str) -> StorageResult<ChangeRow> {
    sql::staff_change(s.id.0, &s.name, s.role, s.store_id.0, pin_hash, s.active)
}

async fn alert(
    tx: &Tx<'_>,
    kind: &str,
    till_id: i64,
    message: &str,
    now: i64,
    gap: Option<(i64, i64)>,
) -> StorageResult<()> {
    let st = tx
        .prepare_cached(
            "INSERT INTO alerts (kind, till_id, message, created_at, gap_from, gap_to) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    let (from, to) = (gap.map(|g| g.0), gap.map(|g| g.1));
    tx.execute(&st, &[&kind, &till_id, &message, &now, &from, &to])
        .await?;
    Ok(())
}

/// Reconciles every Z close of the till whose whole range has arrived (see `reconcile`).
async fn reconcile_closes(
    tx: &Tx<'_>,
    till_id: i64,
    contiguous: i64,
    now_us: i64,
) -> StorageResult<()> {
    let closes = tx.query(sql::UNCHECKED_CLOSES, &[&till_id]).await?;
    for row in closes {
        let (id, json): (String, String) = (row.get(0), row.get(1));
        let Some(close) = sql::parse_close(&json)? else {
            continue;
        };
        let last = sql::to_i64(close.last_seq, "sequence")?;
        if last > contiguous {
            continue; // some documents are still on their way; checked when they arrive
        }
        let first = sql::to_i64(close.first_seq, "sequence")?;
        let docs = tx
            .query(sql::DOCS_IN_RANGE, &[&till_id, &first, &last])
            .await?
            .iter()
            .map(|r| sql::parse_document(&r.get::<_, String>(0)))
            .collect::<Result<Vec<_>, _>>()?;
        let f = reconcile::check(till_id, &close, &docs);
        for m in &f.mismatches {
            alert(tx, "z_mismatch", till_id, m, now_us, None).await?;
        }
        if let Some(m) = &f.over_short {
            alert(tx, "z_over_short", till_id, m, now_us, None).await?;
        }
        let state = if f.mismatches.is_empty() {
            "ok"
        } else {
            "mismatch"
        };
        let z = sql::to_i64(close.z_number, "Z number")?;
        let message = f.mismatches.first().cloned();
        tx.execute(
            sql::INSERT_CLOSE_CHECK,
            &[&id, &till_id, &z, &state, &message, &now_us],
        )
        .await?;
    }
    Ok(())
}

async fn push_tx(
    tx: &Tx<'_>,
    till: &TillAuth,
    docs: &[Document],
    now: DateTime<Utc>,
) -> StorageResult<PushResponse> {
    let till_id = till.till_id.0;
    let now_us = sql::micros(now);
    // One push per till at a time: the till row is the lock.
    let row = tx
        .query_opt(
            "SELECT contiguous_seq, last_seq FROM tills WHERE id = $1 FOR UPDATE",
            &[&till_id],
        )
        .await?
        .ok_or_else(|| sql::till_not_found(till_id))?;
    let (mut contiguous, mut last_seq): (i64, i64) = (row.get(0), row.get(1));
    let mut stored = 0i64;
    let mut conflicts = 0i64;
    let mut results = Vec::with_capacity(docs.len());
    // (seq, hash) of the last document stored in this batch, to skip a lookup on the common path.
    let mut prev_in_batch: Option<(i64, String)> = None;

    let ins_doc = tx
        .prepare_cached(
            "INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .await?;
    let by_id = tx
        .prepare_cached("SELECT id, seq, hash FROM documents WHERE id = $1")
        .await?;
    let by_seq = tx
        .prepare_cached("SELECT id, seq, hash FROM documents WHERE till_id = $1 AND seq = $2")
        .await?;
    let hash_at = tx
        .prepare_cached("SELECT hash, prev_hash FROM documents WHERE till_id = $1 AND seq = $2")
        .await?;
    let ins_conflict = tx
        .prepare_cached(
            "INSERT INTO document_conflicts (document_id, till_id, seq, hash, existing_document_id, reason, json, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .await?;
    let ins_sale = tx
        .prepare_cached(
            "INSERT INTO sales (document_id, kind, till_id, store_id, business_day, number, total_cents, net_cents, tax_cents)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .await?;
    let ins_lines = tx
        .prepare_cached(
            "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
             SELECT $1, l.* FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], $6::BIGINT[], $7::BIGINT[], $8::BIGINT[]) AS l",
        )
        .await?;
    let ins_payments = tx
        .prepare_cached(
            "INSERT INTO sale_payments (document_id, line_no, payment_id, tender, amount_cents)
             SELECT $1, p.* FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[]) AS p",
        )
        .await?;
    let mut aggregates = super::dashboard::AggDelta::default();
    let mut stored_docs: Vec<&Document> = Vec::new();
    let existing_of = |r: tokio_postgres::Row| Existing {
        id: r.get(0),
        seq: r.get(1),
        hash: r.get(2),
    };

    for doc in docs {
        let seq = sql::to_i64(doc.seq, "sequence")?;
        let id = doc.id.to_string();
        let json = sql::json(doc)?;
        let day = sql::day_text(sql::business_day(doc.till_time));
        let kind = doc.body.kind().as_str();
        let till_time = sql::micros(doc.till_time);
        let n = tx
            .execute(
                &ins_doc,
                &[
                    &id,
                    &till_id,
                    &doc.store_id.0,
                    &seq,
                    &kind,
                    &till_time,
                    &day,
                    &doc.hash,
                    &doc.prev_hash,
                    &json,
                    &now_us,
                ],
            )
            .await?;
        if n == 0 {
            let (existing, is_by_id) = match tx.query_opt(&by_id, &[&id]).await? {
                Some(r) => (existing_of(r), true),
                None => (
                    tx.query_opt(&by_seq, &[&till_id, &seq])
                        .await?
                        .map(existing_of)
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
                let fresh = tx
                    .execute(
                        &ins_conflict,
                        &[
                            &id,
                            &till_id,
                            &seq,
                            &doc.hash,
                            &existing.id,
                            &reason,
                            &json,
                            &now_us,
                        ],
                    )
                    .await?;
                if fresh > 0 {
                    conflicts += 1;
                    alert(tx, "conflict", till_id, &reason, now_us, None).await?;
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
            tx.execute(
                &ins_sale,
                &[
                    &id,
                    &s.kind,
                    &till_id,
                    &doc.store_id.0,
                    &day,
                    &s.number,
                    &s.total_cents,
                    &s.net_cents,
                    &s.tax_cents,
                ],
            )
            .await?;
            let nos: Vec<i64> = (1..=s.lines.len() as i64).collect();
            let line_ids: Vec<&str> = s.lines.iter().map(|l| l.0.as_str()).collect();
            let products: Vec<i64> = s.lines.iter().map(|l| l.1).collect();
            let qty: Vec<i64> = s.lines.iter().map(|l| l.2).collect();
            let gross: Vec<i64> = s.lines.iter().map(|l| l.3).collect();
            let net: Vec<i64> = s.lines.iter().map(|l| l.4).collect();
            let rate: Vec<i64> = s.lines.iter().map(|l| l.5).collect();
            let params: [&(dyn ToSql + Sync); 8] =
                [&id, &nos, &line_ids, &products, &qty, &gross, &net, &rate];
            tx.execute(&ins_lines, &params).await?;
            let pnos: Vec<i64> = (1..=s.payments.len() as i64).collect();
            let pids: Vec<&str> = s.payments.iter().map(|p| p.0.as_str()).collect();
            let tenders: Vec<&str> = s.payments.iter().map(|p| p.1).collect();
            let amounts: Vec<i64> = s.payments.iter().map(|p| p.2).collect();
            tx.execute(&ins_payments, &[&id, &pnos, &pids, &tenders, &amounts])
                .await?;
        }

        // The chain, both ways: this document against its predecessor, its successor against it.
        if seq == 1 {
            if doc.prev_hash != GENESIS_HASH {
                let m =
                    format!("till {till_id}: document seq 1 does not start from the genesis hash");
                alert(tx, "chain_break", till_id, &m, now_us, None).await?;
            }
        } else {
            let prev_hash = match &prev_in_batch {
                Some((s, h)) if *s == seq - 1 => Some(h.clone()),
                _ => tx
                    .query_opt(&hash_at, &[&till_id, &(seq - 1)])
                    .await?
                    .map(|r| r.get::<_, String>(0)),
            };
            if prev_hash.is_some_and(|h| h != doc.prev_hash) {
                let m = sql::chain_break_message(seq, till_id, seq - 1);
                alert(tx, "chain_break", till_id, &m, now_us, None).await?;
            }
        }
        if seq < last_seq
            && let Some(r) = tx.query_opt(&hash_at, &[&till_id, &(seq + 1)]).await?
            && r.get::<_, String>(1) != doc.hash
        {
            let m = sql::chain_break_message(seq + 1, till_id, seq);
            alert(tx, "chain_break", till_id, &m, now_us, None).await?;
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
            )
            .await?;
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

    dashboard::apply_aggregates(tx, &aggregates).await?;
    deliveries::apply_receipts(tx, till_id, &stored_docs, now_us).await?;
    if stored > 0 {
        // Advance the contiguous mark over stored sequences; stops at the first hole.
        let seqs = tx
            .query(
                "SELECT seq FROM documents WHERE till_id = $1 AND seq > $2 ORDER BY seq",
                &[&till_id, &contiguous],
            )
            .await?;
        for r in seqs {
            let s: i64 = r.get(0);
            if s != contiguous + 1 {
                break;
            }
            contiguous = s;
        }
        tx.execute(
            "UPDATE alerts SET resolved_at = $1, message = message || $2
             WHERE till_id = $3 AND kind = 'gap' AND resolved_at IS NULL AND gap_to <= $4",
            &[&now_us, &sql::GAP_CLOSED_SUFFIX, &till_id, &contiguous],
        )
        .await?;
        reconcile_closes(tx, till_id, contiguous, now_us).await?;
    }
    tx.execute(
        "UPDATE tills SET contiguous_seq = $1, last_seq = $2, doc_count = doc_count + $3,
         conflict_count = conflict_count + $4, last_push_at = $5 WHERE id = $6",
        &[
            &contiguous,
            &last_seq,
            &stored,
            &conflicts,
            &now_us,
            &till_id,
        ],
    )
    .await?;
    Ok(PushResponse {
        results,
        contiguous_seq: sql::to_u64(contiguous),
    })
}

#[async_trait]
impl Storage for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StorageResult<()> {
        self.client().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn create_admin(&self, name: &str, token_hash: &str) -> StorageResult<i64> {
        let r = self
            .client()
            .await?
            .query_one(
                "INSERT INTO admins (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
                &[&name, &token_hash, &sql::micros(Utc::now())],
            )
            .await?;
        Ok(r.get(0))
    }

    async fn admin_count(&self) -> StorageResult<u64> {
        let r = self
            .client()
            .await?
            .query_one("SELECT COUNT(*) FROM admins", &[])
            .await?;
        Ok(sql::to_u64(r.get(0)))
    }

    async fn admin_by_token(&self, token_hash: &str) -> StorageResult<Option<i64>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT id FROM admins WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?
            .map(|r| r.get(0)))
    }

    async fn create_franchisee(&self, f: &NewFranchisee) -> StorageResult<Franchisee> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if let Some(r) = tx
            .query_opt("SELECT id FROM franchisees WHERE nif = $1", &[&f.nif])
            .await?
        {
            return Err(sql::nif_taken(&f.nif, r.get(0)));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO franchisees (legal_name, nif, address) VALUES ($1, $2, $3) RETURNING id",
                &[&f.legal_name, &f.nif, &f.address],
            )
            .await?
            .get(0);
        tx.commit().await?;
        Ok(Franchisee {
            id: FranchiseeId(id),
            legal_name: f.legal_name.clone(),
            nif: f.nif.clone(),
            address: f.address.clone(),
        })
    }

    async fn list_franchisees(&self) -> StorageResult<Vec<Franchisee>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id, legal_name, nif, address FROM franchisees ORDER BY id",
                &[],
            )
            .await?
            .iter()
            .map(franchisee_row)
            .collect())
    }

    async fn get_franchisee(&self, id: FranchiseeId) -> StorageResult<Franchisee> {
        let c = self.client().await?;
        load_franchisee(&**c, id.0, false).await
    }

    async fn update_franchisee(
        &self,
        id: FranchiseeId,
        patch: &FranchiseePatch,
    ) -> StorageResult<Franchisee> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let f = sql::patched_franchisee(load_franchisee(&*tx, id.0, true).await?, patch);
        if let Some(r) = tx
            .query_opt(
                "SELECT id FROM franchisees WHERE nif = $1 AND id <> $2",
                &[&f.nif, &id.0],
            )
            .await?
        {
            return Err(sql::nif_taken(&f.nif, r.get(0)));
        }
        tx.execute(
            "UPDATE franchisees SET legal_name = $1, nif = $2, address = $3 WHERE id = $4",
            &[&f.legal_name, &f.nif, &f.address, &id.0],
        )
        .await?;
        let stores: Vec<Store> = tx
            .query(
                &format!(
                    "SELECT {} FROM stores WHERE franchisee_id = $1 ORDER BY id FOR UPDATE",
                    sql::STORE_COLUMNS
                ),
                &[&id.0],
            )
            .await?
            .iter()
            .map(store_row)
            .collect();
        let rows = stores
            .iter()
            .map(|s| sql::store_change(s, &f.legal_name, &f.nif))
            .collect::<Result<Vec<_>, _>>()?;
        write_changes(&tx, rows).await?;
        tx.commit().await?;
        Ok(f)
    }

    async fn create_store(&self, s: &NewStore) -> StorageResult<Store> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let f = tx
            .query_opt(
                // Shared lock: a concurrent legal-data change waits, so this store's change carries what commits.
                "SELECT legal_name, nif FROM franchisees WHERE id = $1 FOR SHARE",
                &[&s.franchisee_id.0],
            )
            .await?
            .ok_or_else(|| sql::franchisee_not_found(s.franchisee_id.0))?;
        let (legal_name, nif): (String, String) = (f.get(0), f.get(1));
        let id: i64 = tx
            .query_one(
                "INSERT INTO stores (franchisee_id, name, address, receipt_footer, receipt_header, cash_tolerance_cents)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &s.franchisee_id.0,
                    &s.name,
                    &s.address,
                    &s.receipt_footer,
                    &s.receipt_header,
                    &s.cash_tolerance.cents(),
                ],
            )
            .await?
            .get(0);
        let store = Store {
            id: StoreId(id),
            franchisee_id: s.franchisee_id,
            name: s.name.clone(),
            address: s.address.clone(),
            receipt_header: s.receipt_header.clone(),
            receipt_footer: s.receipt_footer.clone(),
            cash_tolerance: s.cash_tolerance,
        };
        write_changes(&tx, vec![sql::store_change(&store, &legal_name, &nif)?]).await?;
        tx.commit().await?;
        Ok(store)
    }

    async fn list_stores(&self) -> StorageResult<Vec<Store>> {
        Ok(self
            .client()
            .await?
            .query(
                &format!("SELECT {} FROM stores ORDER BY id", sql::STORE_COLUMNS),
                &[],
            )
            .await?
            .iter()
            .map(store_row)
            .collect())
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Store> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT {} FROM stores WHERE id = $1", sql::STORE_COLUMNS),
                &[&id.0],
            )
            .await?
            .map(|r| store_row(&r))
            .ok_or_else(|| sql::store_not_found(id.0))
    }

    async fn update_store(&self, id: StoreId, patch: &StorePatch) -> StorageResult<Store> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let current = tx
            .query_opt(
                &format!(
                    "SELECT {} FROM stores WHERE id = $1 FOR UPDATE",
                    sql::STORE_COLUMNS
                ),
                &[&id.0],
            )
            .await?
            .map(|r| store_row(&r))
            .ok_or_else(|| sql::store_not_found(id.0))?;
        let s = sql::patched_store(current, patch);
        tx.execute(
            "UPDATE stores SET name = $1, address = $2, receipt_header = $3, receipt_footer = $4,
             cash_tolerance_cents = $5 WHERE id = $6",
            &[
                &s.name,
                &s.address,
                &s.receipt_header,
                &s.receipt_footer,
                &s.cash_tolerance.cents(),
                &id.0,
            ],
        )
        .await?;
        let f = load_franchisee(&*tx, s.franchisee_id.0, false).await?;
        write_changes(&tx, vec![sql::store_change(&s, &f.legal_name, &f.nif)?]).await?;
        tx.commit().await?;
        Ok(s)
    }

    async fn create_till(
        &self,
        store_id: StoreId,
        name: &str,
        code_hash: &str,
        code_expires_at: DateTime<Utc>,
    ) -> StorageResult<Till> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM stores WHERE id = $1", store_id.0).await? {
            return Err(sql::store_not_found(store_id.0));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO tills (store_id, name, ticket_series, code_hash, code_expires_at)
                 VALUES ($1, $2, '', $3, $4) RETURNING id",
                &[
                    &store_id.0,
                    &name,
                    &code_hash,
                    &sql::micros(code_expires_at),
                ],
            )
            .await?
            .get(0);
        tx.execute(
            "UPDATE tills SET ticket_series = $1 WHERE id = $2",
            &[&sql::ticket_series(id), &id],
        )
        .await?;
        let till = get_till_c(&*tx, id).await?;
        tx.commit().await?;
        Ok(till)
    }

    async fn enroll_till(
        &self,
        code_hash: &str,
        enrolment_id_hash: Option<&str>,
        device_name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<EnrolledTill> {
        let now_us = sql::micros(now);
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // A retry of an enrolment already committed: same code, same enrolment id.
        if let Some(e) = enrolment_id_hash
            && let Some(r) = tx
                .query_opt(
                    "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                     WHERE t.code_hash = $1 AND t.code_used_at IS NOT NULL AND t.enrolment_id_hash = $2
                       AND t.revoked_at IS NULL AND t.code_expires_at > $3
                     FOR UPDATE OF t",
                    &[&code_hash, &e, &now_us],
                )
                .await?
        {
            let id: i64 = r.get(0);
            tx.execute(
                "UPDATE tills SET token_hash = $1, device_name = $2 WHERE id = $3",
                &[&token_hash, &device_name, &id],
            )
            .await?;
            tx.commit().await?;
            return Ok(EnrolledTill {
                till_id: TillId(id),
                store_id: StoreId(r.get(1)),
                franchisee_id: FranchiseeId(r.get(2)),
                ticket_series: r.get(3),
            });
        }
        let r = tx
            .query_opt(
                "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                 WHERE t.code_hash = $1 AND t.code_used_at IS NULL AND t.revoked_at IS NULL AND t.code_expires_at > $2
                 FOR UPDATE OF t",
                &[&code_hash, &now_us],
            )
            .await?
            .ok_or_else(|| StorageError::Invalid(sql::ENROL_CODE_INVALID.into()))?;
        let id: i64 = r.get(0);
        let n = tx
            .execute(
                "UPDATE tills SET code_used_at = $1, enrolled_at = $1, device_name = $2, token_hash = $3,
                   enrolment_id_hash = $5
                 WHERE id = $4 AND code_used_at IS NULL",
                &[&now_us, &device_name, &token_hash, &id, &enrolment_id_hash],
            )
            .await?;
        if n != 1 {
            return Err(StorageError::Invalid(sql::ENROL_CODE_INVALID.into()));
        }
        tx.commit().await?;
        Ok(EnrolledTill {
            till_id: TillId(id),
            store_id: StoreId(r.get(1)),
            franchisee_id: FranchiseeId(r.get(2)),
            ticket_series: r.get(3),
        })
    }

    async fn till_by_token(&self, token_hash: &str) -> StorageResult<Option<TillAuth>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT t.id, t.store_id, s.franchisee_id, t.revoked_at IS NOT NULL
                 FROM tills t JOIN stores s ON s.id = t.store_id WHERE t.token_hash = $1",
                &[&token_hash],
            )
            .await?
            .map(|r| TillAuth {
                till_id: TillId(r.get(0)),
                store_id: StoreId(r.get(1)),
                franchisee_id: FranchiseeId(r.get(2)),
                revoked: r.get(3),
            }))
    }

    async fn revoke_till(&self, till_id: TillId, now: DateTime<Utc>) -> StorageResult<()> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE tills SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
                &[&sql::micros(now), &till_id.0],
            )
            .await?;
        if n == 0 {
            return Err(sql::till_not_found(till_id.0));
        }
        Ok(())
    }

    async fn list_tills(&self) -> StorageResult<Vec<Till>> {
        Ok(self
            .client()
            .await?
            .query(
                &format!("SELECT {TILL_COLUMNS} FROM tills ORDER BY id"),
                &[],
            )
            .await?
            .iter()
            .map(till_row)
            .collect())
    }

    async fn get_till(&self, till_id: TillId) -> StorageResult<Till> {
        let c = self.client().await?;
        get_till_c(&**c, till_id.0).await
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
        let c = self.client().await?;
        if !exists(&**c, "SELECT 1 FROM tills WHERE id = $1", till_id.0).await? {
            return Err(sql::till_not_found(till_id.0));
        }
        c.execute(
            "UPDATE tills SET outbox_waiting = $1, outbox_reported_at = $2
             WHERE id = $3 AND (outbox_reported_at IS NULL OR outbox_reported_at <= $2)",
            &[&waiting, &sql::micros(at), &till_id.0],
        )
        .await?;
        Ok(())
    }

    async fn report_software(
        &self,
        till_id: TillId,
        version: &str,
        skipped_kinds: &[String],
        at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE tills SET software_version = $1, skipped_change_kinds = $2, software_reported_at = $3
                 WHERE id = $4 AND (software_reported_at IS NULL OR software_reported_at <= $3)",
                &[
                    &version,
                    &sql::kinds_text(skipped_kinds),
                    &sql::micros(at),
                    &till_id.0,
                ],
            )
            .await?;
        if n == 0 && !exists(&**c, "SELECT 1 FROM tills WHERE id = $1", till_id.0).await? {
            return Err(sql::till_not_found(till_id.0));
        }
        Ok(())
    }

    async fn create_staff(&self, s: &NewStaff) -> StorageResult<Staff> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM stores WHERE id = $1", s.store_id.0).await? {
            return Err(sql::store_not_found(s.store_id.0));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO staff (name, role, store_id, pin_hash, active) VALUES ($1, $2, $3, $4, TRUE) RETURNING id",
                &[&s.name, &sql::role_text(s.role), &s.store_id.0, &s.pin_hash],
            )
            .await?
            .get(0);
        let staff = Staff {
            id: StaffId(id),
            name: s.name.clone(),
            role: s.role,
            store_id: s.store_id,
            active: true,
        };
        write_changes(&tx, vec![staff_change_of(&staff, &s.pin_hash)?]).await?;
        tx.commit().await?;
        Ok(staff)
    }

    async fn list_staff(&self, store_id: Option<StoreId>) -> StorageResult<Vec<Staff>> {
        let store = store_id.map(|s| s.0);
        self.client()
            .await?
            .query(
                "SELECT id, name, role, store_id, active, pin_hash FROM staff
                 WHERE $1::BIGINT IS NULL OR store_id = $1 ORDER BY id",
                &[&store],
            )
            .await?
            .iter()
            .map(|r| staff_row(r).map(|(s, _)| s))
            .collect()
    }

    async fn set_staff_pin(&self, id: StaffId, pin_hash: &str) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let (staff, _) = load_staff(&tx, id.0).await?;
        tx.execute(
            "UPDATE staff SET pin_hash = $1 WHERE id = $2",
            &[&pin_hash, &id.0],
        )
        .await?;
        write_changes(&tx, vec![staff_change_of(&staff, pin_hash)?]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn deactivate_staff(&self, id: StaffId) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let (mut staff, pin_hash) = load_staff(&tx, id.0).await?;
        tx.execute("UPDATE staff SET active = FALSE WHERE id = $1", &[&id.0])
            .await?;
        staff.active = false;
        write_changes(&tx, vec![staff_change_of(&staff, &pin_hash)?]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_tax_rate(&self, t: &NewTaxRate) -> StorageResult<TaxRateRecord> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM tax_rates WHERE name = $1", &[&t.name])
            .await?
            .is_some()
        {
            return Err(sql::tax_rate_name_taken(&t.name));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO tax_rates (name, rate_hundredths) VALUES ($1, $2) RETURNING id",
                &[&t.name, &t.rate.hundredths()],
            )
            .await?
            .get(0);
        let rec = TaxRateRecord {
            id,
            name: t.name.clone(),
            rate: t.rate,
        };
        write_changes(
            &tx,
            vec![ChangeRow::global(&sync_protocol::CatalogChange::TaxRate(
                rec.clone(),
            ))?],
        )
        .await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn list_tax_rates(&self) -> StorageResult<Vec<TaxRateRecord>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id, name, rate_hundredths FROM tax_rates ORDER BY id",
                &[],
            )
            .await?
            .iter()
            .map(|r| TaxRateRecord {
                id: r.get(0),
                name: r.get(1),
                rate: sql::tax_rate_from(r.get(2)),
            })
            .collect())
    }

    async fn create_product(&self, p: &NewProduct) -> StorageResult<Product> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let mut changes = Vec::new();
        let product = create_product_tx(&tx, p, &mut changes).await?;
        write_changes(&tx, changes).await?;
        tx.commit().await?;
        Ok(product)
    }

    async fn import_products(&self, ps: &[NewProduct]) -> StorageResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let mut changes = Vec::new();
        for p in ps {
            create_product_tx(&tx, p, &mut changes).await?;
        }
        write_changes(&tx, changes).await?;
        tx.commit().await?;
        Ok(ps.len() as u64)
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(
            &*tx,
            "SELECT 1 FROM products WHERE id = $1 FOR UPDATE",
            id.0,
        )
        .await?
        {
            return Err(sql::product_not_found(id.0));
        }
        let old = load_product(&*tx, id.0).await?;
        if let Some(t) = patch.tax_rate_id
            && !exists(&*tx, "SELECT 1 FROM tax_rates WHERE id = $1", t).await?
        {
            return Err(sql::unknown_tax_rate(t));
        }
        tx.execute(
            "UPDATE products SET name = $1, tax_rate_id = $2, price_cents = $3, active = $4 WHERE id = $5",
            &[
                &patch.name.clone().unwrap_or(old.name),
                &patch.tax_rate_id.unwrap_or(old.tax_rate_id),
                &patch.price.unwrap_or(old.price).cents(),
                &patch.active.unwrap_or(old.active),
                &id.0,
            ],
        )
        .await?;
        let product = load_product(&*tx, id.0).await?;
        write_changes(&tx, vec![sql::product_change(&product)?]).await?;
        tx.commit().await?;
        Ok(product)
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        let c = self.client().await?;
        load_product(&**c, id.0).await
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
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT p.id, p.sku, p.name, p.tax_rate_id, t.rate_hundredths, p.price_cents, p.active,
                        ARRAY(SELECT b.code FROM barcodes b WHERE b.product_id = p.id)
                 FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id
                 WHERE $1::TEXT IS NULL OR p.name ILIKE $1 ESCAPE '\\' OR p.sku ILIKE $1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM barcodes b WHERE b.product_id = p.id AND b.code LIKE $1 ESCAPE '\\')
                 ORDER BY p.id LIMIT $2 OFFSET $3",
                &[&pattern, &limit, &offset],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                sql::product(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                )
            })
            .collect())
    }

    async fn add_barcode(&self, product_id: ProductId, code: &str) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM products WHERE id = $1", product_id.0).await? {
            return Err(sql::product_not_found(product_id.0));
        }
        match barcode_owner(&tx, code).await? {
            Some(owner) if owner == product_id.0 => return Ok(()),
            Some(owner) => return Err(sql::barcode_taken(code, owner)),
            None => {}
        }
        tx.execute(
            "INSERT INTO barcodes (code, product_id) VALUES ($1, $2)",
            &[&code, &product_id.0],
        )
        .await?;
        write_changes(&tx, vec![sql::barcode_change(code, product_id.0)?]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_barcode(&self, code: &str) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = tx
            .execute("DELETE FROM barcodes WHERE code = $1", &[&code])
            .await?;
        if n == 0 {
            return Err(sql::barcode_not_found(code));
        }
        write_changes(&tx, vec![sql::barcode_deleted_change(code)?]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_store_price(
        &self,
        store_id: StoreId,
        product_id: ProductId,
        price: Option<Money>,
    ) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM stores WHERE id = $1", store_id.0).await? {
            return Err(sql::store_not_found(store_id.0));
        }
        if !exists(&*tx, "SELECT 1 FROM products WHERE id = $1", product_id.0).await? {
            return Err(sql::product_not_found(product_id.0));
        }
        match price {
            Some(p) => {
                tx.execute(
                    "INSERT INTO store_prices (store_id, product_id, price_cents) VALUES ($1, $2, $3)
                     ON CONFLICT (store_id, product_id) DO UPDATE SET price_cents = excluded.price_cents",
                    &[&store_id.0, &product_id.0, &p.cents()],
                )
                .await?
            }
            None => {
                tx.execute(
                    "DELETE FROM store_prices WHERE store_id = $1 AND product_id = $2",
                    &[&store_id.0, &product_id.0],
                )
                .await?
            }
        };
        write_changes(
            &tx,
            vec![sql::store_price_change(store_id.0, product_id.0, price)?],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_barcode_rules(&self) -> StorageResult<Vec<BarcodeRuleRecord>> {
        self.client()
            .await?
            .query(
                "SELECT id, prefix, kind, item_digits, value_digits, decimals, verifier
                 FROM barcode_rules ORDER BY id",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                sql::barcode_rule(
                    r.get(0),
                    r.get(1),
                    r.get::<_, &str>(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                )
            })
            .collect()
    }

    async fn create_barcode_rule(
        &self,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if tx
            .query_opt(
                "SELECT 1 FROM barcode_rules WHERE prefix = $1",
                &[&r.prefix],
            )
            .await?
            .is_some()
        {
            return Err(sql::barcode_rule_prefix_taken(&r.prefix));
        }
        let item = sql::to_i64(r.item_digits as u64, "item_digits")?;
        let value = sql::to_i64(r.value_digits as u64, "value_digits")?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO barcode_rules (prefix, kind, item_digits, value_digits, decimals, verifier)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &r.prefix,
                    &sql::measure_kind_text(r.kind),
                    &item,
                    &value,
                    &i64::from(r.decimals),
                    &r.verifier,
                ],
            )
            .await?
            .get(0);
        let rec = BarcodeRuleRecord::new(id, r);
        write_changes(&tx, vec![sql::barcode_rule_change(id, Some(&rec))?]).await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn update_barcode_rule(
        &self,
        id: i64,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM barcode_rules WHERE id = $1", id).await? {
            return Err(sql::barcode_rule_not_found(id));
        }
        if tx
            .query_opt(
                "SELECT 1 FROM barcode_rules WHERE prefix = $1 AND id <> $2",
                &[&r.prefix, &id],
            )
            .await?
            .is_some()
        {
            return Err(sql::barcode_rule_prefix_taken(&r.prefix));
        }
        let item = sql::to_i64(r.item_digits as u64, "item_digits")?;
        let value = sql::to_i64(r.value_digits as u64, "value_digits")?;
        tx.execute(
            "UPDATE barcode_rules SET prefix = $1, kind = $2, item_digits = $3, value_digits = $4,
               decimals = $5, verifier = $6 WHERE id = $7",
            &[
                &r.prefix,
                &sql::measure_kind_text(r.kind),
                &item,
                &value,
                &i64::from(r.decimals),
                &r.verifier,
                &id,
            ],
        )
        .await?;
        let rec = BarcodeRuleRecord::new(id, r);
        write_changes(&tx, vec![sql::barcode_rule_change(id, Some(&rec))?]).await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn delete_barcode_rule(&self, id: i64) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = tx
            .execute("DELETE FROM barcode_rules WHERE id = $1", &[&id])
            .await?;
        if n == 0 {
            return Err(sql::barcode_rule_not_found(id));
        }
        write_changes(&tx, vec![sql::barcode_rule_change(id, None)?]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn changes_after(
        &self,
        store_id: StoreId,
        cursor: i64,
        limit: u32,
    ) -> StorageResult<ChangesPage> {
        let limit = sql::page_limit(limit);
        let mut c = self.client().await?;
        // One snapshot for the page and the end of the log.
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let rows = tx
            .query(
                "SELECT cursor, store_id, payload FROM catalog_changes
                 WHERE cursor > $1 AND (store_id IS NULL OR store_id = $2) ORDER BY cursor LIMIT $3",
                &[&cursor, &store_id.0, &(i64::from(limit) + 1)],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let end: Option<i64> = tx
            .query_one("SELECT MAX(cursor) FROM catalog_changes", &[])
            .await?
            .get(0);
        tx.commit().await?;
        sql::changes_page(store_id, cursor, limit, rows, end)
    }

    async fn push(
        &self,
        till: &TillAuth,
        docs: &[Document],
        now: DateTime<Utc>,
    ) -> StorageResult<PushResponse> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let r = push_tx(&tx, till, docs, now).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn sales_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        group: ReportGroup,
    ) -> StorageResult<Vec<SalesReportRow>> {
        let q = sql::report_sql(group, true, "$1", "$2");
        let (from, to) = (sql::day_text(from), sql::day_text(to));
        let rows = self.client().await?.query(&q, &[&from, &to]).await?;
        rows.iter()
            .map(|r| {
                sql::report_row(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                )
            })
            .collect()
    }

    fn dashboard(&self) -> &dyn super::dashboard::DashboardStorage {
        self
    }

    fn deliveries(&self) -> &dyn super::deliveries::DeliveryStorage {
        self
    }

    async fn list_alerts(&self) -> StorageResult<Vec<Alert>> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id, kind, till_id, message, created_at FROM alerts ORDER BY id",
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
}
