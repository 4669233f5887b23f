//! The storage trait implemented once, in SQL that runs on SQLite and PostgreSQL alike (see `db`).
//! Each catalog write writes its change-log row(s) in the same transaction, last, under the
//! change-log lock, so cursors commit in order on every backend.

use super::db::{Db, Dialect, Row, Tx, locks};
use super::sql::{self, ChangeRow, Migration};
use super::*;
use crate::p;
use sync_protocol::{BarcodeRuleRecord, StaffId, TaxRateRecord, barcode::VariableMeasureRule};

/// The server's storage on either backend.
#[derive(Clone)]
pub struct SqlStorage {
    pub(crate) db: Db,
}

impl SqlStorage {
    /// Wraps an open database and brings its schema up to date.
    pub async fn new(db: Db) -> StorageResult<Self> {
        let migrations = match db.dialect() {
            Dialect::Sqlite => sql::SQLITE_MIGRATIONS,
            Dialect::Postgres => sql::POSTGRES_MIGRATIONS,
        };
        migrate(&db, migrations).await?;
        backfill_local_hours(&db).await?;
        super::stock_sql::backfill(&db).await?;
        Ok(Self { db })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// Applies every migration not applied yet, oldest first, each in its own transaction under the
/// migration lock (two instances starting together do not race). Numbers made on parallel
/// branches may land after a higher one was applied (e.g. 0005 merged after 0006 ran).
async fn migrate(db: &Db, migrations: &'static [Migration]) -> StorageResult<()> {
    loop {
        let applied = db
            .write(move |tx| {
                Box::pin(async move {
                    tx.lock(locks::MIGRATION).await?;
                    tx.batch(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (
                            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                    )
                    .await?;
                    let newest: i64 = tx
                        .scalar(
                            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
                            p![],
                        )
                        .await?;
                    sql::check_not_newer(newest, migrations)?;
                    let done: Vec<i64> = tx
                        .query_map("SELECT version FROM schema_migrations", p![], |r| r.get(0))
                        .await?;
                    let Some(m) = migrations.iter().find(|m| !done.contains(&m.version)) else {
                        return Ok(None);
                    };
                    tx.batch(m.sql).await?;
                    tx.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                        p![m.version, m.name, sql::micros(Utc::now())],
                    )
                    .await?;
                    Ok(Some((m.version, m.name)))
                })
            })
            .await?;
        match applied {
            Some((version, name)) => tracing::info!(version, name, "migration applied"),
            None => return Ok(()),
        }
    }
}

/// Documents stored before migration 0014 get the local hour of their till time in their store's
/// zone (done here, in Rust, so no SQL has to know summer-time rules). A few thousand per
/// transaction; nothing to do on a database that has none left.
async fn backfill_local_hours(db: &Db) -> StorageResult<()> {
    let mut total = 0u64;
    loop {
        let done = db
            .write(|tx| {
                Box::pin(async move {
                    let rows = tx
                        .query_map(
                            "SELECT d.id, d.till_time, s.time_zone FROM documents d JOIN stores s ON s.id = d.store_id
                             WHERE d.local_hour IS NULL LIMIT 5000",
                            p![],
                            |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?)),
                        )
                        .await?;
                    for (id, till_time, zone) in &rows {
                        let tz: trastienda_l10n::TimeZone = zone
                            .parse()
                            .map_err(|e| StorageError::Backend(format!("store time zone: {e}")))?;
                        let hour = trastienda_l10n::local_hour(sql::from_micros(*till_time), tz);
                        tx.execute(
                            "UPDATE documents SET local_hour = ?1 WHERE id = ?2",
                            p![hour, id],
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
            "local hours of earlier documents filled in"
        );
    }
    Ok(())
}

// --- helpers inside a transaction -------------------------------------------------------------

/// Writes change-log rows HQ makes. Call it last in the transaction: it takes the change-log
/// lock, and every row lock should be taken before it (no lock-order deadlocks across instances).
/// Refused when a till of the stores they go to cannot apply them, unless forced (see
/// [`super::till_gate`]).
pub(crate) async fn write_changes(tx: &mut dyn Tx, rows: Vec<ChangeRow>) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    super::till_gate::check(tx, &rows).await?;
    write_changes_from_till(tx, rows).await
}

/// Writes change-log rows a till's push causes (a delivery note received): never refused, the
/// push is not HQ's to refuse.
pub(crate) async fn write_changes_from_till(
    tx: &mut dyn Tx,
    rows: Vec<ChangeRow>,
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    tx.lock(locks::CHANGE_LOG).await?;
    let now = sql::micros(Utc::now());
    for r in &rows {
        tx.execute(
            "INSERT INTO catalog_changes (store_id, payload, created_at) VALUES (?1, ?2, ?3)",
            p![r.store_id, &r.payload, now],
        )
        .await?;
    }
    // The kinds the log now holds per store (0: every store), for the Tills page.
    let mut kinds: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| (r.kind.as_str(), r.store_id.unwrap_or(0)))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let kinds: Vec<Vec<super::db::Value<'_>>> = kinds
        .into_iter()
        .map(|(k, s)| vec![super::db::Value::Text(k), super::db::Value::Int(s)])
        .collect();
    tx.insert_many(
        "INSERT INTO change_log_kinds (kind, store_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        &[super::db::ColType::Text, super::db::ColType::Int],
        &kinds,
    )
    .await?;
    Ok(())
}

/// A till's outbox report at `at` (µs): kept unless a later report is stored already.
async fn record_outbox(tx: &mut dyn Tx, till_id: i64, waiting: i64, at: i64) -> StorageResult<u64> {
    tx.execute(
        "UPDATE tills SET outbox_waiting = ?1, outbox_reported_at = ?2
         WHERE id = ?3 AND (outbox_reported_at IS NULL OR outbox_reported_at <= ?2)",
        p![waiting, at, till_id],
    )
    .await
}

/// A till's software report at `at` (µs; `kinds` as `sql::kinds_text`): kept unless a later
/// report is stored already. Returns the rows changed.
async fn record_software(
    tx: &mut dyn Tx,
    till_id: i64,
    version: &str,
    kinds: &str,
    at: i64,
) -> StorageResult<u64> {
    tx.execute(
        "UPDATE tills SET software_version = ?1, skipped_change_kinds = ?2, software_reported_at = ?3
         WHERE id = ?4 AND (software_reported_at IS NULL OR software_reported_at <= ?3)",
        p![version, kinds, at, till_id],
    )
    .await
}

pub(crate) async fn write_change(tx: &mut dyn Tx, row: ChangeRow) -> StorageResult<()> {
    write_changes(tx, vec![row]).await
}

const PRODUCT_COLUMNS: &str =
    "p.id, p.sku, p.name, p.tax_rate_id, t.rate_hundredths, p.price_cents, p.active";

fn product_of(r: &Row, barcodes: Vec<String>) -> StorageResult<Product> {
    Ok(sql::product(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        barcodes,
    ))
}

pub(crate) async fn load_product(tx: &mut dyn Tx, id: i64) -> StorageResult<Product> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {PRODUCT_COLUMNS} FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id WHERE p.id = ?1"
            ),
            p![id],
        )
        .await?
        .ok_or_else(|| sql::product_not_found(id))?;
    let barcodes = product_barcodes(tx, id).await?;
    product_of(&row, barcodes)
}

pub(crate) async fn product_barcodes(tx: &mut dyn Tx, id: i64) -> StorageResult<Vec<String>> {
    tx.query_map(
        "SELECT code FROM barcodes WHERE product_id = ?1 ORDER BY code",
        p![id],
        |r| r.get(0),
    )
    .await
}

pub(crate) async fn barcode_owner(tx: &mut dyn Tx, code: &str) -> StorageResult<Option<i64>> {
    tx.scalar_opt("SELECT product_id FROM barcodes WHERE code = ?1", p![code])
        .await
}

pub(crate) async fn exists(tx: &mut dyn Tx, q: &str, id: i64) -> StorageResult<bool> {
    tx.exists(q, p![id]).await
}

pub(crate) async fn create_product_tx(
    tx: &mut dyn Tx,
    p: &NewProduct,
) -> StorageResult<(Product, Vec<ChangeRow>)> {
    if !exists(tx, "SELECT 1 FROM tax_rates WHERE id = ?1", p.tax_rate_id).await? {
        return Err(sql::unknown_tax_rate(p.tax_rate_id));
    }
    if let Some(owner) = tx
        .scalar_opt::<i64>("SELECT id FROM products WHERE sku = ?1", p![&p.sku])
        .await?
    {
        return Err(sql::sku_taken(&p.sku, owner));
    }
    for (i, code) in p.barcodes.iter().enumerate() {
        if p.barcodes[..i].contains(code) {
            return Err(StorageError::Conflict(
                Problem::new("barcode_listed_twice")
                    .with("code", code)
                    .with("sku", &p.sku),
            ));
        }
        if let Some(owner) = barcode_owner(tx, code).await? {
            return Err(sql::barcode_taken(code, owner));
        }
    }
    let id = tx
        .insert_returning_id(
            "INSERT INTO products (sku, name, tax_rate_id, price_cents, active) VALUES (?1, ?2, ?3, ?4, TRUE) RETURNING id",
            p![&p.sku, &p.name, p.tax_rate_id, p.price.cents()],
        )
        .await?;
    for code in &p.barcodes {
        tx.execute(
            "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)",
            p![code, id],
        )
        .await?;
    }
    let product = load_product(tx, id).await?;
    let mut changes = vec![sql::product_change(&product)?];
    for code in &p.barcodes {
        changes.push(sql::barcode_change(code, id)?);
    }
    Ok((product, changes))
}

const TILL_COLUMNS: &str = "id, store_id, name, ticket_series, enrolled_at, revoked_at, contiguous_seq, \
     last_seq, last_push_at, last_seq - doc_count, conflict_count, outbox_waiting, outbox_reported_at, \
     software_version, skipped_change_kinds, software_reported_at";

fn till_of(r: &Row) -> StorageResult<Till> {
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
        outbox_waiting: r.get::<Option<i64>>(11)?.map(sql::to_u64),
        outbox_reported_at: sql::opt_from_micros(r.get(12)?),
        software_version: r.get(13)?,
        skipped_change_kinds: sql::kinds_from_text(r.get(14)?),
        software_reported_at: sql::opt_from_micros(r.get(15)?),
    })
}

async fn load_till(tx: &mut dyn Tx, id: i64) -> StorageResult<Till> {
    let r = tx
        .query_opt(
            &format!("SELECT {TILL_COLUMNS} FROM tills WHERE id = ?1"),
            p![id],
        )
        .await?
        .ok_or_else(|| sql::till_not_found(id))?;
    till_of(&r)
}

fn store_of(r: &Row) -> StorageResult<Store> {
    Ok(Store {
        id: StoreId(r.get(0)?),
        franchisee_id: FranchiseeId(r.get(1)?),
        name: r.get(2)?,
        address: r.get(3)?,
        receipt_footer: r.get(4)?,
        receipt_header: r.get(5)?,
        cash_tolerance: Money::from_cents(r.get(6)?),
        time_zone: r
            .get::<String>(7)?
            .parse()
            .map_err(|e| StorageError::Backend(format!("store time zone: {e}")))?,
        single_manager: r.get(8)?,
        report_email: r.get(9)?,
    })
}

/// A store, locked for update when `lock` (its change carries what commits).
async fn load_store(tx: &mut dyn Tx, id: i64, lock: bool) -> StorageResult<Store> {
    let r = tx
        .query_opt(
            &format!(
                "SELECT {} FROM stores WHERE id = ?1{}",
                sql::STORE_COLUMNS,
                if lock { " FOR UPDATE" } else { "" }
            ),
            p![id],
        )
        .await?
        .ok_or_else(|| sql::store_not_found(id))?;
    store_of(&r)
}

fn franchisee_of(r: &Row) -> StorageResult<Franchisee> {
    Ok(Franchisee {
        id: FranchiseeId(r.get(0)?),
        legal_name: r.get(1)?,
        nif: r.get(2)?,
        address: r.get(3)?,
    })
}

/// A franchisee, locked for update when `lock` (so its stores' changes carry what commits).
async fn load_franchisee(tx: &mut dyn Tx, id: i64, lock: bool) -> StorageResult<Franchisee> {
    let r = tx
        .query_opt(
            &format!(
                "SELECT id, legal_name, nif, address FROM franchisees WHERE id = ?1{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            p![id],
        )
        .await?
        .ok_or_else(|| sql::franchisee_not_found(id))?;
    franchisee_of(&r)
}

fn staff_of(r: &Row) -> StorageResult<(Staff, String)> {
    let role: String = r.get(2)?;
    Ok((
        Staff {
            id: StaffId(r.get(0)?),
            name: r.get(1)?,
            role: sql::parse_role(&role)?,
            store_id: StoreId(r.get(3)?),
            active: r.get(4)?,
        },
        r.get(5)?,
    ))
}

pub(crate) async fn load_staff(tx: &mut dyn Tx, id: i64) -> StorageResult<(Staff, String)> {
    let r = tx
        .query_opt(
            "SELECT id, name, role, store_id, active, pin_hash FROM staff WHERE id = ?1 FOR UPDATE",
            p![id],
        )
        .await?
        .ok_or_else(|| sql::staff_not_found(id))?;
    staff_of(&r)
}

pub(crate) fn staff_change_of(s: &Staff, pin_hash: &str) -> StorageResult<ChangeRow> {
    sql::staff_change(s.id.0, &s.name, s.role, s.store_id.0, pin_hash, s.active)
}

fn alert_of(r: &Row) -> StorageResult<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        kind: r.get(1)?,
        till_id: r.get::<Option<i64>>(2)?.map(TillId),
        message: r.get(3)?,
        created_at: sql::from_micros(r.get(4)?),
        store_id: r.get::<Option<i64>>(5)?.map(StoreId),
    })
}

fn barcode_rule_of(r: &Row) -> StorageResult<BarcodeRuleRecord> {
    let kind: String = r.get(2)?;
    sql::barcode_rule(
        r.get(0)?,
        r.get(1)?,
        &kind,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    )
}

#[async_trait]
impl Storage for SqlStorage {
    fn backend(&self) -> &'static str {
        match self.db.dialect() {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> StorageResult<()> {
        self.db
            .read(|tx| Box::pin(async move { tx.scalar::<i64>("SELECT 1", p![]).await.map(drop) }))
            .await
    }

    async fn create_admin(&self, name: &str, token_hash: &str) -> StorageResult<i64> {
        let (name, token_hash) = (name.to_string(), token_hash.to_string());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.insert_returning_id(
                        "INSERT INTO admins (name, token_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                        p![&name, &token_hash, sql::micros(Utc::now())],
                    )
                    .await
                })
            })
            .await
    }

    async fn admin_count(&self) -> StorageResult<u64> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    let n: i64 = tx
                        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM admins", p![])
                        .await?;
                    Ok(sql::to_u64(n))
                })
            })
            .await
    }

    async fn admin_by_token(&self, token_hash: &str) -> StorageResult<Option<i64>> {
        let token_hash = token_hash.to_string();
        let id: Option<i64> = self
            .db
            .read(move |tx| {
                Box::pin(async move {
                    tx.scalar_opt(
                        "SELECT id FROM admins WHERE token_hash = ?1 AND revoked_at IS NULL",
                        p![&token_hash],
                    )
                    .await
                })
            })
            .await?;
        // Its last use, to the minute (one write a minute per token at most).
        if let Some(id) = id {
            let now = Utc::now();
            self.db
                .write(move |tx| {
                    Box::pin(async move {
                        tx.execute(
                            "UPDATE admins SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?3)",
                            p![sql::micros(now), id, sql::micros(now - chrono::Duration::minutes(1))],
                        )
                        .await?;
                        Ok(())
                    })
                })
                .await?;
        }
        Ok(id)
    }

    async fn create_franchisee(&self, f: &NewFranchisee) -> StorageResult<Franchisee> {
        let f = f.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(owner) = tx
                        .scalar_opt::<i64>("SELECT id FROM franchisees WHERE nif = ?1", p![&f.nif])
                        .await?
                    {
                        return Err(sql::nif_taken(&f.nif, owner));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO franchisees (legal_name, nif, address) VALUES (?1, ?2, ?3) RETURNING id",
                            p![&f.legal_name, &f.nif, &f.address],
                        )
                        .await?;
                    Ok(Franchisee {
                        id: FranchiseeId(id),
                        legal_name: f.legal_name,
                        nif: f.nif,
                        address: f.address,
                    })
                })
            })
            .await
    }

    async fn list_franchisees(&self) -> StorageResult<Vec<Franchisee>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, legal_name, nif, address FROM franchisees ORDER BY id",
                        p![],
                        franchisee_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_franchisee(&self, id: FranchiseeId) -> StorageResult<Franchisee> {
        self.db
            .read(move |tx| Box::pin(async move { load_franchisee(tx, id.0, false).await }))
            .await
    }

    async fn update_franchisee(
        &self,
        id: FranchiseeId,
        patch: &FranchiseePatch,
    ) -> StorageResult<Franchisee> {
        let patch = patch.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let f = sql::patched_franchisee(load_franchisee(tx, id.0, true).await?, &patch);
                    if let Some(owner) = tx
                        .scalar_opt::<i64>(
                            "SELECT id FROM franchisees WHERE nif = ?1 AND id <> ?2",
                            p![&f.nif, id.0],
                        )
                        .await?
                    {
                        return Err(sql::nif_taken(&f.nif, owner));
                    }
                    tx.execute(
                        "UPDATE franchisees SET legal_name = ?1, nif = ?2, address = ?3 WHERE id = ?4",
                        p![&f.legal_name, &f.nif, &f.address, id.0],
                    )
                    .await?;
                    let stores = tx
                        .query_map(
                            &format!(
                                "SELECT {} FROM stores WHERE franchisee_id = ?1 ORDER BY id FOR UPDATE",
                                sql::STORE_COLUMNS
                            ),
                            p![id.0],
                            store_of,
                        )
                        .await?;
                    let changes = stores
                        .iter()
                        .map(|s| sql::store_change(s, &f.legal_name, &f.nif))
                        .collect::<StorageResult<Vec<_>>>()?;
                    write_changes(tx, changes).await?;
                    Ok(f)
                })
            })
            .await
    }

    async fn create_store(&self, s: &NewStore) -> StorageResult<Store> {
        let s = s.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let f = load_franchisee(tx, s.franchisee_id.0, false).await?;
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO stores (franchisee_id, name, address, receipt_footer, receipt_header, cash_tolerance_cents, time_zone)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                            p![
                                s.franchisee_id.0,
                                &s.name,
                                &s.address,
                                &s.receipt_footer,
                                &s.receipt_header,
                                s.cash_tolerance.cents(),
                                s.time_zone.name()
                            ],
                        )
                        .await?;
                    let store = Store {
                        id: StoreId(id),
                        franchisee_id: s.franchisee_id,
                        name: s.name,
                        address: s.address,
                        receipt_header: s.receipt_header,
                        receipt_footer: s.receipt_footer,
                        cash_tolerance: s.cash_tolerance,
                        time_zone: s.time_zone,
                        single_manager: false,
                        report_email: None,
                    };
                    write_change(tx, sql::store_change(&store, &f.legal_name, &f.nif)?).await?;
                    // A new store's tills get its franchisee's customer directory too.
                    super::customers_sql::send_directory_to_store(tx, &store).await?;
                    Ok(store)
                })
            })
            .await
    }

    async fn list_stores(&self) -> StorageResult<Vec<Store>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {} FROM stores ORDER BY id", sql::STORE_COLUMNS),
                        p![],
                        store_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_store(&self, id: StoreId) -> StorageResult<Store> {
        self.db
            .read(move |tx| Box::pin(async move { load_store(tx, id.0, false).await }))
            .await
    }

    async fn update_store(&self, id: StoreId, patch: &StorePatch) -> StorageResult<Store> {
        let patch = patch.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let s = sql::patched_store(load_store(tx, id.0, true).await?, &patch);
                    tx.execute(
                        "UPDATE stores SET name = ?1, address = ?2, receipt_header = ?3, receipt_footer = ?4,
                         cash_tolerance_cents = ?5, time_zone = ?6, single_manager = ?8, report_email = ?9
                         WHERE id = ?7",
                        p![
                            &s.name,
                            &s.address,
                            &s.receipt_header,
                            &s.receipt_footer,
                            s.cash_tolerance.cents(),
                            s.time_zone.name(),
                            id.0,
                            s.single_manager,
                            s.report_email.as_deref()
                        ],
                    )
                    .await?;
                    let f = load_franchisee(tx, s.franchisee_id.0, false).await?;
                    write_change(tx, sql::store_change(&s, &f.legal_name, &f.nif)?).await?;
                    Ok(s)
                })
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
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", store_id.0).await? {
                        return Err(sql::store_not_found(store_id.0));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO tills (store_id, name, ticket_series, code_hash, code_expires_at)
                             VALUES (?1, ?2, '', ?3, ?4) RETURNING id",
                            p![store_id.0, &name, &code_hash, sql::micros(code_expires_at)],
                        )
                        .await?;
                    tx.execute(
                        "UPDATE tills SET ticket_series = ?1 WHERE id = ?2",
                        p![&sql::ticket_series(id), id],
                    )
                    .await?;
                    load_till(tx, id).await
                })
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
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let now_us = sql::micros(now);
                    let enrolled = |r: &Row| -> StorageResult<EnrolledTill> {
                        Ok(EnrolledTill {
                            till_id: TillId(r.get(0)?),
                            store_id: StoreId(r.get(1)?),
                            franchisee_id: FranchiseeId(r.get(2)?),
                            ticket_series: r.get(3)?,
                        })
                    };
                    // A retry of an enrolment already committed: same code, same enrolment id.
                    if let Some(e) = &enrolment_id_hash
                        && let Some(r) = tx
                            .query_opt(
                                "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                                 WHERE t.code_hash = ?1 AND t.code_used_at IS NOT NULL AND t.enrolment_id_hash = ?2
                                   AND t.revoked_at IS NULL AND t.code_expires_at > ?3
                                 FOR UPDATE OF t",
                                p![&code_hash, e, now_us],
                            )
                            .await?
                    {
                        let till = enrolled(&r)?;
                        tx.execute(
                            "UPDATE tills SET token_hash = ?1, device_name = ?2 WHERE id = ?3",
                            p![&token_hash, &device_name, till.till_id.0],
                        )
                        .await?;
                        return Ok(till);
                    }
                    let r = tx
                        .query_opt(
                            "SELECT t.id, t.store_id, s.franchisee_id, t.ticket_series FROM tills t JOIN stores s ON s.id = t.store_id
                             WHERE t.code_hash = ?1 AND t.code_used_at IS NULL AND t.revoked_at IS NULL AND t.code_expires_at > ?2
                             FOR UPDATE OF t",
                            p![&code_hash, now_us],
                        )
                        .await?
                        .ok_or_else(sql::enrolment_code_invalid)?;
                    let till = enrolled(&r)?;
                    let n = tx
                        .execute(
                            "UPDATE tills SET code_used_at = ?1, enrolled_at = ?1, device_name = ?2, token_hash = ?3,
                               enrolment_id_hash = ?5
                             WHERE id = ?4 AND code_used_at IS NULL",
                            p![now_us, &device_name, &token_hash, till.till_id.0, enrolment_id_hash.as_deref()],
                        )
                        .await?;
                    if n != 1 {
                        return Err(sql::enrolment_code_invalid());
                    }
                    Ok(till)
                })
            })
            .await
    }

    async fn till_by_token(&self, token_hash: &str) -> StorageResult<Option<TillAuth>> {
        let token_hash = token_hash.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let r = tx
                        .query_opt(
                            "SELECT t.id, t.store_id, s.franchisee_id, t.revoked_at IS NOT NULL
                             FROM tills t JOIN stores s ON s.id = t.store_id WHERE t.token_hash = ?1",
                            p![&token_hash],
                        )
                        .await?;
                    r.map(|r| {
                        Ok(TillAuth {
                            till_id: TillId(r.get(0)?),
                            store_id: StoreId(r.get(1)?),
                            franchisee_id: FranchiseeId(r.get(2)?),
                            revoked: r.get(3)?,
                        })
                    })
                    .transpose()
                })
            })
            .await
    }

    async fn revoke_till(&self, till_id: TillId, now: DateTime<Utc>) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "UPDATE tills SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
                            p![sql::micros(now), till_id.0],
                        )
                        .await?;
                    if n == 0 {
                        return Err(sql::till_not_found(till_id.0));
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn list_tills(&self) -> StorageResult<Vec<Till>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!("SELECT {TILL_COLUMNS} FROM tills ORDER BY id"),
                        p![],
                        till_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn get_till(&self, till_id: TillId) -> StorageResult<Till> {
        self.db
            .read(move |tx| Box::pin(async move { load_till(tx, till_id.0).await }))
            .await
    }

    async fn change_log_kinds(&self) -> StorageResult<Vec<(Option<StoreId>, String)>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT store_id, kind FROM change_log_kinds ORDER BY store_id, kind",
                        p![],
                        |r| {
                            let store: i64 = r.get(0)?;
                            Ok(((store != 0).then_some(StoreId(store)), r.get(1)?))
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn report_outbox(
        &self,
        till_id: TillId,
        waiting: u64,
        at: DateTime<Utc>,
    ) -> StorageResult<()> {
        let waiting = i64::try_from(waiting).map_err(|_| {
            StorageError::Invalid(Problem::new("not_a_count").with("value", waiting))
        })?;
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM tills WHERE id = ?1", till_id.0).await? {
                        return Err(sql::till_not_found(till_id.0));
                    }
                    record_outbox(tx, till_id.0, waiting, sql::micros(at)).await?;
                    Ok(())
                })
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
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n =
                        record_software(tx, till_id.0, &version, &kinds, sql::micros(at)).await?;
                    if n == 0 && !exists(tx, "SELECT 1 FROM tills WHERE id = ?1", till_id.0).await?
                    {
                        return Err(sql::till_not_found(till_id.0));
                    }
                    Ok(())
                })
            })
            .await
    }

    async fn create_staff(&self, s: &NewStaff) -> StorageResult<Staff> {
        let s = s.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", s.store_id.0).await? {
                        return Err(sql::store_not_found(s.store_id.0));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO staff (name, role, store_id, pin_hash, active) VALUES (?1, ?2, ?3, ?4, TRUE) RETURNING id",
                            p![&s.name, sql::role_text(s.role), s.store_id.0, &s.pin_hash],
                        )
                        .await?;
                    let staff = Staff {
                        id: StaffId(id),
                        name: s.name,
                        role: s.role,
                        store_id: s.store_id,
                        active: true,
                    };
                    write_change(tx, staff_change_of(&staff, &s.pin_hash)?).await?;
                    Ok(staff)
                })
            })
            .await
    }

    async fn list_staff(&self, store_id: Option<StoreId>) -> StorageResult<Vec<Staff>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, name, role, store_id, active, pin_hash FROM staff
                         WHERE CAST(?1 AS BIGINT) IS NULL OR store_id = ?1 ORDER BY id",
                        p![store_id.map(|s| s.0)],
                        |r| staff_of(r).map(|(s, _)| s),
                    )
                    .await
                })
            })
            .await
    }

    async fn set_staff_pin(&self, id: StaffId, pin_hash: &str) -> StorageResult<()> {
        let pin_hash = pin_hash.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (staff, _) = load_staff(tx, id.0).await?;
                    tx.execute(
                        "UPDATE staff SET pin_hash = ?1 WHERE id = ?2",
                        p![&pin_hash, id.0],
                    )
                    .await?;
                    write_change(tx, staff_change_of(&staff, &pin_hash)?).await
                })
            })
            .await
    }

    async fn deactivate_staff(&self, id: StaffId) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (mut staff, pin_hash) = load_staff(tx, id.0).await?;
                    tx.execute("UPDATE staff SET active = FALSE WHERE id = ?1", p![id.0])
                        .await?;
                    staff.active = false;
                    write_change(tx, staff_change_of(&staff, &pin_hash)?).await
                })
            })
            .await
    }

    async fn create_tax_rate(&self, t: &NewTaxRate) -> StorageResult<TaxRateRecord> {
        let t = t.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if tx
                        .exists("SELECT 1 FROM tax_rates WHERE name = ?1", p![&t.name])
                        .await?
                    {
                        return Err(sql::tax_rate_name_taken(&t.name));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO tax_rates (name, rate_hundredths) VALUES (?1, ?2) RETURNING id",
                            p![&t.name, t.rate.hundredths()],
                        )
                        .await?;
                    let rec = TaxRateRecord {
                        id,
                        name: t.name,
                        rate: t.rate,
                    };
                    write_change(
                        tx,
                        ChangeRow::global(&sync_protocol::CatalogChange::TaxRate(rec.clone()))?,
                    )
                    .await?;
                    Ok(rec)
                })
            })
            .await
    }

    async fn list_tax_rates(&self) -> StorageResult<Vec<TaxRateRecord>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, name, rate_hundredths FROM tax_rates ORDER BY id",
                        p![],
                        |r| {
                            Ok(TaxRateRecord {
                                id: r.get(0)?,
                                name: r.get(1)?,
                                rate: sql::tax_rate_from(r.get(2)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn create_product(&self, p: &NewProduct) -> StorageResult<Product> {
        let p = p.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let (product, changes) = create_product_tx(tx, &p).await?;
                    write_changes(tx, changes).await?;
                    Ok(product)
                })
            })
            .await
    }

    async fn import_products(&self, ps: &[NewProduct]) -> StorageResult<u64> {
        let ps = ps.to_vec();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let mut changes = Vec::new();
                    for p in &ps {
                        changes.extend(create_product_tx(tx, p).await?.1);
                    }
                    write_changes(tx, changes).await?;
                    Ok(ps.len() as u64)
                })
            })
            .await
    }

    async fn update_product(&self, id: ProductId, patch: &ProductPatch) -> StorageResult<Product> {
        let patch = patch.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM products WHERE id = ?1 FOR UPDATE", id.0).await? {
                        return Err(sql::product_not_found(id.0));
                    }
                    let old = load_product(tx, id.0).await?;
                    if let Some(t) = patch.tax_rate_id
                        && !exists(tx, "SELECT 1 FROM tax_rates WHERE id = ?1", t).await?
                    {
                        return Err(sql::unknown_tax_rate(t));
                    }
                    tx.execute(
                        "UPDATE products SET name = ?1, tax_rate_id = ?2, price_cents = ?3, active = ?4 WHERE id = ?5",
                        p![
                            &patch.name.unwrap_or(old.name),
                            patch.tax_rate_id.unwrap_or(old.tax_rate_id),
                            patch.price.unwrap_or(old.price).cents(),
                            patch.active.unwrap_or(old.active),
                            id.0
                        ],
                    )
                    .await?;
                    let product = load_product(tx, id.0).await?;
                    write_change(tx, sql::product_change(&product)?).await?;
                    Ok(product)
                })
            })
            .await
    }

    async fn get_product(&self, id: ProductId) -> StorageResult<Product> {
        self.db
            .read(move |tx| Box::pin(async move { load_product(tx, id.0).await }))
            .await
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
            .map(|q| sql::like_pattern(&q.to_lowercase()));
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let rows = tx
                        .query(
                            &format!(
                                "SELECT {PRODUCT_COLUMNS} FROM products p JOIN tax_rates t ON t.id = p.tax_rate_id
                                 WHERE CAST(?1 AS TEXT) IS NULL OR LOWER(p.name) LIKE ?1 ESCAPE '\\' OR LOWER(p.sku) LIKE ?1 ESCAPE '\\'
                                    OR EXISTS (SELECT 1 FROM barcodes b WHERE b.product_id = p.id AND b.code LIKE ?1 ESCAPE '\\')
                                 ORDER BY p.id LIMIT ?2 OFFSET ?3"
                            ),
                            p![
                                pattern.as_deref(),
                                i64::try_from(limit).unwrap_or(i64::MAX),
                                i64::try_from(offset).unwrap_or(i64::MAX)
                            ],
                        )
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let barcodes = product_barcodes(tx, r.get(0)?).await?;
                        out.push(product_of(r, barcodes)?);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn add_barcode(&self, product_id: ProductId, code: &str) -> StorageResult<()> {
        let code = code.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM products WHERE id = ?1", product_id.0).await? {
                        return Err(sql::product_not_found(product_id.0));
                    }
                    match barcode_owner(tx, &code).await? {
                        Some(owner) if owner == product_id.0 => return Ok(()),
                        Some(owner) => return Err(sql::barcode_taken(&code, owner)),
                        None => {}
                    }
                    tx.execute(
                        "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)",
                        p![&code, product_id.0],
                    )
                    .await?;
                    write_change(tx, sql::barcode_change(&code, product_id.0)?).await
                })
            })
            .await
    }

    async fn remove_barcode(&self, code: &str) -> StorageResult<()> {
        let code = code.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute("DELETE FROM barcodes WHERE code = ?1", p![&code])
                        .await?;
                    if n == 0 {
                        return Err(sql::barcode_not_found(&code));
                    }
                    write_change(tx, sql::barcode_deleted_change(&code)?).await
                })
            })
            .await
    }

    async fn set_store_price(
        &self,
        store_id: StoreId,
        product_id: ProductId,
        price: Option<Money>,
    ) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", store_id.0).await? {
                        return Err(sql::store_not_found(store_id.0));
                    }
                    if !exists(tx, "SELECT 1 FROM products WHERE id = ?1", product_id.0).await? {
                        return Err(sql::product_not_found(product_id.0));
                    }
                    match price {
                        Some(p) => tx
                            .execute(
                                "INSERT INTO store_prices (store_id, product_id, price_cents) VALUES (?1, ?2, ?3)
                                 ON CONFLICT (store_id, product_id) DO UPDATE SET price_cents = excluded.price_cents",
                                p![store_id.0, product_id.0, p.cents()],
                            )
                            .await?,
                        None => tx
                            .execute(
                                "DELETE FROM store_prices WHERE store_id = ?1 AND product_id = ?2",
                                p![store_id.0, product_id.0],
                            )
                            .await?,
                    };
                    write_change(
                        tx,
                        sql::store_price_change(store_id.0, product_id.0, price)?,
                    )
                    .await
                })
            })
            .await
    }

    async fn list_barcode_rules(&self) -> StorageResult<Vec<BarcodeRuleRecord>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, prefix, kind, item_digits, value_digits, decimals, verifier
                         FROM barcode_rules ORDER BY id",
                        p![],
                        barcode_rule_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn create_barcode_rule(
        &self,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let r = r.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if tx
                        .exists("SELECT 1 FROM barcode_rules WHERE prefix = ?1", p![&r.prefix])
                        .await?
                    {
                        return Err(sql::barcode_rule_prefix_taken(&r.prefix));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO barcode_rules (prefix, kind, item_digits, value_digits, decimals, verifier)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                            p![
                                &r.prefix,
                                sql::measure_kind_text(r.kind),
                                sql::to_i64(r.item_digits as u64, "item_digits")?,
                                sql::to_i64(r.value_digits as u64, "value_digits")?,
                                i64::from(r.decimals),
                                r.verifier
                            ],
                        )
                        .await?;
                    let rec = BarcodeRuleRecord::new(id, &r);
                    write_change(tx, sql::barcode_rule_change(rec.id, Some(&rec))?).await?;
                    Ok(rec)
                })
            })
            .await
    }

    async fn update_barcode_rule(
        &self,
        id: i64,
        r: &VariableMeasureRule,
    ) -> StorageResult<BarcodeRuleRecord> {
        let r = r.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if !exists(tx, "SELECT 1 FROM barcode_rules WHERE id = ?1 FOR UPDATE", id).await? {
                        return Err(sql::barcode_rule_not_found(id));
                    }
                    if tx
                        .exists(
                            "SELECT id FROM barcode_rules WHERE prefix = ?1 AND id <> ?2",
                            p![&r.prefix, id],
                        )
                        .await?
                    {
                        return Err(sql::barcode_rule_prefix_taken(&r.prefix));
                    }
                    tx.execute(
                        "UPDATE barcode_rules SET prefix = ?1, kind = ?2, item_digits = ?3, value_digits = ?4,
                           decimals = ?5, verifier = ?6 WHERE id = ?7",
                        p![
                            &r.prefix,
                            sql::measure_kind_text(r.kind),
                            sql::to_i64(r.item_digits as u64, "item_digits")?,
                            sql::to_i64(r.value_digits as u64, "value_digits")?,
                            i64::from(r.decimals),
                            r.verifier,
                            id
                        ],
                    )
                    .await?;
                    let rec = BarcodeRuleRecord::new(id, &r);
                    write_change(tx, sql::barcode_rule_change(id, Some(&rec))?).await?;
                    Ok(rec)
                })
            })
            .await
    }

    async fn delete_barcode_rule(&self, id: i64) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute("DELETE FROM barcode_rules WHERE id = ?1", p![id])
                        .await?;
                    if n == 0 {
                        return Err(sql::barcode_rule_not_found(id));
                    }
                    write_change(tx, sql::barcode_rule_change(id, None)?).await
                })
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
        // One snapshot for the page and the end of the log.
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let rows = tx
                        .query_map(
                            "SELECT cursor, store_id, payload FROM catalog_changes
                             WHERE cursor > ?1 AND (store_id IS NULL OR store_id = ?2) ORDER BY cursor LIMIT ?3",
                            p![cursor, store_id.0, i64::from(limit) + 1],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .await?;
                    let end: Option<i64> = tx
                        .scalar("SELECT MAX(cursor) FROM catalog_changes", p![])
                        .await?;
                    sql::changes_page(store_id, cursor, limit, rows, end)
                })
            })
            .await
    }

    async fn push_with_reports(
        &self,
        till: &TillAuth,
        docs: &[Document],
        now: DateTime<Utc>,
        reports: &super::PushReports,
    ) -> StorageResult<PushResponse> {
        let (till, docs, reports) = (till.clone(), docs.to_vec(), reports.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let res = super::ingest::push_tx(tx, &till, &docs, now).await?;
                    // The till row is locked by the push already: these cost no commit of their own.
                    let at = sql::micros(now);
                    if let Some(w) = reports.waiting {
                        let w = i64::try_from(w).map_err(|_| {
                            StorageError::Invalid(Problem::new("not_a_count").with("value", w))
                        })?;
                        record_outbox(tx, till.till_id.0, w, at).await?;
                    }
                    if let Some((version, skipped)) = &reports.software {
                        let kinds = sql::kinds_text(skipped);
                        record_software(tx, till.till_id.0, version, &kinds, at).await?;
                    }
                    Ok(res)
                })
            })
            .await
    }

    async fn sales_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        group: ReportGroup,
    ) -> StorageResult<Vec<SalesReportRow>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let (from, to) = (sql::day_text(from), sql::day_text(to));
                    tx.query_map(
                        &sql::report_sql(group, true, "?1", "?2"),
                        p![&from, &to],
                        |r| {
                            sql::report_row(
                                r.get(0)?,
                                r.get(1)?,
                                r.get(2)?,
                                r.get(3)?,
                                r.get(4)?,
                                r.get(5)?,
                                r.get(6)?,
                            )
                        },
                    )
                    .await
                })
            })
            .await
    }

    fn dashboard(&self) -> &dyn super::dashboard::DashboardStorage {
        self
    }

    fn deliveries(&self) -> &dyn super::deliveries::DeliveryStorage {
        self
    }

    fn jobs(&self) -> &dyn super::jobs::JobStorage {
        self
    }

    fn verifactu(&self) -> &dyn super::verifactu::VerifactuStorage {
        self
    }

    fn invoicing(&self) -> &dyn super::invoicing::InvoicingStorage {
        self
    }

    fn archive(&self) -> &dyn super::archive::ArchiveStorage {
        self
    }

    fn quick_keys(&self) -> &dyn super::quick_keys::QuickKeyStorage {
        self
    }

    fn customers(&self) -> &dyn super::customers::CustomerStorage {
        self
    }

    fn promotions(&self) -> &dyn super::promotions::PromotionStorage {
        self
    }

    fn stock(&self) -> &dyn super::stock::StockStorage {
        self
    }

    fn replenish(&self) -> &dyn super::replenish::ReplenishStorage {
        self
    }

    fn purchasing(&self) -> &dyn super::purchasing::PurchasingStorage {
        self
    }

    fn alerts(&self) -> &dyn super::alerts::AlertStorage {
        self
    }

    fn people(&self) -> &dyn super::people::PeopleStorage {
        self
    }

    fn collections(&self) -> &dyn super::collections::CollectionsStorage {
        self
    }

    fn sepa(&self) -> &dyn super::collections::SepaStorage {
        self
    }

    fn dunning(&self) -> &dyn super::collections::DunningStorage {
        self
    }

    async fn list_alerts(&self) -> StorageResult<Vec<Alert>> {
        self.db
            .read(|tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT id, kind, till_id, message, created_at, store_id FROM alerts ORDER BY id",
                        p![],
                        alert_of,
                    )
                    .await
                })
            })
            .await
    }
}

pub(crate) fn alert_row(r: &Row) -> StorageResult<Alert> {
    alert_of(r)
}
