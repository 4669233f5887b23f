//! The till's durable ledger on SQLite: identity, gapless sequence, sealed documents, outbox and catalog.
//! Every sale is committed (WAL, `synchronous=FULL`) with its outbox row in one transaction before anything prints.

use crate::cart::CartLine;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use chrono::{DateTime, Utc};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use sync_protocol::{
    CatalogChange, ChainError, ChangesPage, Document, DocumentBody, DocumentId, EnrollResponse,
    FranchiseeId, GENESIS_HASH, Money, Payment, ProductId, Sale, StaffId, StaffRole, StoreId,
    StoreRecord, TaxRate, TillId, TotalsError, compute_totals,
};

/// Schema migrations, applied in order; the database's `user_version` is the number applied.
/// Embedded so a till binary always carries exactly the schema it understands.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../../migrations/terminal/0001_init.sql"),
    ),
    (
        "0002_print_queue",
        include_str!("../../migrations/terminal/0002_print_queue.sql"),
    ),
    (
        "0003_shift",
        include_str!("../../migrations/terminal/0003_shift.sql"),
    ),
    (
        "0004_full_invoices",
        include_str!("../../migrations/terminal/0004_full_invoices.sql"),
    ),
    (
        "0005_barcode_rules",
        include_str!("../../migrations/terminal/0005_barcode_rules.sql"),
    ),
    (
        "0006_store_settings",
        include_str!("../../migrations/terminal/0006_store_settings.sql"),
    ),
    (
        "0007_delivery_notes",
        include_str!("../../migrations/terminal/0007_delivery_notes.sql"),
    ),
    (
        "0008_verifactu",
        include_str!("../../migrations/terminal/0008_verifactu.sql"),
    ),
    (
        "0009_single_manager",
        include_str!("../../migrations/terminal/0009_single_manager.sql"),
    ),
    (
        "0010_card_attempts",
        include_str!("../../migrations/terminal/0010_card_attempts.sql"),
    ),
    (
        "0011_quick_keys",
        include_str!("../../migrations/terminal/0011_quick_keys.sql"),
    ),
    (
        "0013_promotions",
        include_str!("../../migrations/terminal/0013_promotions.sql"),
    ),
];

/// The newest schema this build understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long `open` waits for another process to release the ledger before reporting it locked.
const LOCK_WAIT: Duration = Duration::from_millis(300);

/// Why the ledger could not do what was asked. Messages are meant to be shown to a person.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(
        "the ledger {path} has schema version {found}, newer than this till software supports ({supported}); \
         update the till software — the ledger was left untouched"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "the ledger {original} is not a healthy SQLite database ({reason}); it was set aside, unchanged, as {path}"
    )]
    CorruptSetAside {
        /// Where the damaged file now lives.
        path: PathBuf,
        original: PathBuf,
        reason: String,
    },
    #[error("the ledger {path} is in use by another process; only one till program may run on it")]
    Locked { path: PathBuf },
    #[error("this till is not enrolled yet; enrol it with the one-time code from the dashboard")]
    NotEnrolled,
    #[error("this till is already enrolled as till {0}; a ledger belongs to one till forever")]
    AlreadyEnrolled(TillId),
    #[error("the document is not valid: {0}")]
    Invalid(String),
    /// Sales and refunds belong to a shift (its float, its Z): none may be recorded without one.
    #[error(
        "no shift is open: a manager must open the shift (counting its float) before any sale or refund"
    )]
    NoOpenShift,
    #[error(transparent)]
    Totals(#[from] TotalsError),
    /// A sale, refund or invoice needs its issuer's NIF for its VERI*FACTU record.
    #[error(
        "this till does not know its franchisee's NIF yet, so it cannot issue invoices; let it sync with HQ once"
    )]
    NoTaxpayer,
    #[error("the VERI*FACTU record cannot be made: {0}")]
    Verifactu(#[from] sync_protocol::verifactu::VerifactuError),
    /// The AEAT would reject the invoice's record; nothing was recorded.
    #[error("the AEAT would refuse this invoice: {0}")]
    Preflight(String),
    #[error("the VERI*FACTU chain is broken: {0}")]
    RecordChain(#[from] sync_protocol::verifactu::RecordChainError),
    #[error("VERI*FACTU: {0}")]
    Fiscal(String),
    #[error("the ledger's chain is broken: {0}")]
    Chain(#[from] ChainError),
    #[error("the ledger's counter disagrees with its documents: {0}")]
    CounterMismatch(String),
    #[error("stored document {0} cannot be read: {1}")]
    BadStoredDocument(i64, String),
    #[error("the ledger could not be set up: {0}")]
    Setup(String),
    /// A card payment's outcome is not known yet: no other may be sent until it is.
    #[error(
        "the card payment {request_id} is still unresolved (its outcome is unknown); no other card payment can be sent until the terminal answers for it"
    )]
    CardAttemptUnresolved { request_id: String },
    #[error("card payment {0}: {1}")]
    CardAttempt(String, String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

type Result<T, E = LedgerError> = std::result::Result<T, E>;

mod card_attempts;
mod deliveries;
mod enrolment;
mod growth;
mod invoices;
mod promotions;
mod quick_keys;
mod scan;
mod tickets;
mod verifactu;
pub use card_attempts::{AttemptEnd, CardAttempt, CardAttemptState, cart_key};
pub use deliveries::LocalDeliveryNote;
pub use invoices::FullInvoice;
pub use promotions::Offers;
pub use quick_keys::QuickKeyItem;
pub use scan::{Scan, ScanError};
pub use tickets::Refunded;

/// What `open_or_recover` had to do, for the till to show and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenNote {
    /// The ledger opened normally.
    Opened,
    /// The old file was damaged, set aside at `set_aside`, and a fresh empty ledger created.
    /// The till must be re-enrolled and HQ alerted: the old documents are in the set-aside file.
    Recovered { set_aside: PathBuf, reason: String },
}

/// The till's identity as HQ enrolled it. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct TillIdentity {
    pub server_url: String,
    pub till_id: TillId,
    pub store_id: StoreId,
    pub franchisee_id: FranchiseeId,
    pub ticket_series: String,
    pub token: String,
    pub device_name: String,
}

impl fmt::Debug for TillIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TillIdentity")
            .field("server_url", &self.server_url)
            .field("till_id", &self.till_id)
            .field("store_id", &self.store_id)
            .field("franchisee_id", &self.franchisee_id)
            .field("ticket_series", &self.ticket_series)
            .field("token", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// A sellable product as the till sees it: the price is already this store's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// The scanned code for a lookup; one of the product's codes for a search.
    pub barcode: Option<String>,
    pub tax_rate: TaxRate,
    /// Effective tax-inclusive price: the store's override if there is one, else HQ's.
    pub price: Money,
    pub hq_price: Money,
    pub store_override: bool,
}

/// A member of staff who passed a PIN check. The hash never leaves the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub role: StaffRole,
}

/// `till_settings` key of the pinned SHA-256 of HQ's certificate (see [`crate::pin`]).
const SERVER_PIN_KEY: &str = "server_certificate_sha256";

/// The open ledger. Holds an exclusive lock on the file for as long as it lives, so no second
/// process can take numbers from this till's counter.
pub struct Ledger {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// The till's clock when a simulation sets it (see [`Ledger::set_clock`]); the system clock otherwise.
    clock: Option<DateTime<Utc>>,
    /// Benchmarks only (feature `bench-baseline`): commit sales without their VERI*FACTU record,
    /// so the ledger bench can show what the record costs. See [`RECORDS_CAN_BE_SKIPPED`].
    #[cfg(feature = "bench-baseline")]
    skip_records: bool,
}

/// Whether this build of the ledger can commit a sale without its VERI*FACTU record: only with
/// the `bench-baseline` feature, which exists so the ledger bench can measure the record's cost.
/// RD 1007/2023 requires a record for every invoice, so the till's binary refuses to compile
/// when this is true (a `const` assertion in `pos-terminal-app`).
pub const RECORDS_CAN_BE_SKIPPED: bool = cfg!(feature = "bench-baseline");

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt)
    )
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
    )
}

/// Outcome of the low-level open, before deciding what to do with a damaged file.
enum Probe {
    Ok(Connection),
    Corrupt(String),
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path`, applies pending migrations and takes the
    /// exclusive lock. A damaged file is renamed aside and reported as `CorruptSetAside`; the
    /// caller decides whether to start fresh (see [`Ledger::open_or_recover`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref().to_path_buf();
        match Self::probe(&path)? {
            Probe::Ok(conn) => {
                let mut ledger = Ledger {
                    conn,
                    path,
                    clock: None,
                    #[cfg(feature = "bench-baseline")]
                    skip_records: false,
                };
                ledger.migrate()?;
                ledger.replay_kinds_now_known()?;
                Ok(ledger)
            }
            Probe::Corrupt(reason) => {
                let aside = set_aside(&path)?;
                tracing::error!(original = %path.display(), set_aside = %aside.display(), %reason, "corrupt ledger set aside");
                Err(LedgerError::CorruptSetAside {
                    path: aside,
                    original: path,
                    reason,
                })
            }
        }
    }

    /// Like [`Ledger::open`], but when the file is damaged it is set aside and a new, empty
    /// ledger is created in its place. The note says where the old file went.
    pub fn open_or_recover(path: impl AsRef<Path>) -> Result<(Ledger, OpenNote)> {
        match Self::open(path.as_ref()) {
            Ok(l) => Ok((l, OpenNote::Opened)),
            Err(LedgerError::CorruptSetAside {
                path: aside,
                reason,
                ..
            }) => {
                let l = Self::open(path.as_ref())?;
                Ok((
                    l,
                    OpenNote::Recovered {
                        set_aside: aside,
                        reason,
                    },
                ))
            }
            Err(e) => Err(e),
        }
    }

    fn probe(path: &Path) -> Result<Probe> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(LOCK_WAIT)?;
        // EXCLUSIVE before WAL: the lock is then held for the connection's lifetime and no
        // shared-memory index is used, so another process cannot even read the file.
        let _: String = conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |r| r.get(0))?;
        let mode: String = match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Ok(m) => m,
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) if is_busy(&e) => {
                return Err(LedgerError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Setup(format!(
                "could not switch the ledger to WAL (got {mode})"
            )));
        }
        // Take the write lock now rather than at the first sale, so a second process fails at start-up.
        match conn.execute_batch("BEGIN IMMEDIATE; COMMIT;") {
            Ok(()) => {}
            Err(e) if is_busy(&e) => {
                return Err(LedgerError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) => return Err(e.into()),
        }
        match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
            Ok(s) if s == "ok" => {}
            Ok(s) => return Ok(Probe::Corrupt(format!("quick_check: {s}"))),
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) => return Err(e.into()),
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(Probe::Ok(conn))
    }

    /// Applies pending migrations in one IMMEDIATE transaction, keyed on `user_version`.
    fn migrate(&mut self) -> Result<()> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(LedgerError::TooNew {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tracing::info!(migration = name, "applying ledger migration");
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Where this ledger lives.
    /// The till's clock: what documents are stamped with. The system clock, unless a simulation
    /// set it with [`Ledger::set_clock`].
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// Benchmarks only (feature `bench-baseline`): from now on, commit sales, refunds and full
    /// invoices without their VERI*FACTU record. No till build has this (see
    /// [`RECORDS_CAN_BE_SKIPPED`]).
    #[cfg(feature = "bench-baseline")]
    pub fn bench_skip_verifactu_records(&mut self) {
        self.skip_records = true;
    }

    /// Sets the till's clock to `at` (`None`: back to the system clock). For simulations that ring
    /// days of trade in a moment (the server's demo history, tests); a till in a shop never calls it.
    pub fn set_clock(&mut self, at: Option<DateTime<Utc>>) {
        self.clock = at;
    }

    /// Commits without waiting for the disk. Only for a throwaway ledger a simulation fills and
    /// discards (the demo history): it gives up durable-before-printed, which a real till needs.
    pub fn relax_durability_for_simulation(&mut self) -> Result<()> {
        self.conn.execute_batch("PRAGMA synchronous = OFF;")?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    // ----- identity -------------------------------------------------------------------------

    /// Stores the identity HQ gave this till. A ledger is enrolled once: its counter and chain
    /// belong to that till id forever.
    pub fn enrol(
        &mut self,
        server_url: &str,
        resp: &EnrollResponse,
        device_name: &str,
    ) -> Result<TillIdentity> {
        self.enrol_pinned(server_url, resp, device_name, None)
    }

    /// [`Ledger::enrol`], keeping in the same transaction the fingerprint of HQ's certificate the
    /// enrolment link carried: from then on the till talks only to a server presenting it.
    pub fn enrol_pinned(
        &mut self,
        server_url: &str,
        resp: &EnrollResponse,
        device_name: &str,
        pin: Option<crate::pin::CertificatePin>,
    ) -> Result<TillIdentity> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(pin) = pin {
            tx.execute(
                "INSERT INTO till_settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SERVER_PIN_KEY, pin.hex()],
            )?;
        }
        if let Some(existing) = read_identity(&tx)? {
            return Err(LedgerError::AlreadyEnrolled(existing.till_id));
        }
        let server_url = server_url.trim_end_matches('/').to_string();
        tx.execute(
            "INSERT INTO till_identity (id, server_url, till_id, store_id, franchisee_id, ticket_series, token, device_name, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                server_url,
                resp.till_id.0,
                resp.store_id.0,
                resp.franchisee_id.0,
                resp.ticket_series,
                resp.token,
                device_name,
                Utc::now().to_rfc3339()
            ],
        )?;
        tx.execute("DELETE FROM till_settings WHERE key = ?1", [enrolment::KEY])?;
        tx.commit()?;
        Ok(TillIdentity {
            server_url,
            till_id: resp.till_id,
            store_id: resp.store_id,
            franchisee_id: resp.franchisee_id,
            ticket_series: resp.ticket_series.clone(),
            token: resp.token.clone(),
            device_name: device_name.to_string(),
        })
    }

    /// The fingerprint of HQ's certificate this till was enrolled with, if the link carried one.
    pub fn server_pin(&self) -> Result<Option<crate::pin::CertificatePin>> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM till_settings WHERE key = ?1",
                [SERVER_PIN_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| crate::pin::CertificatePin::parse(&v)))
    }

    /// The enrolled identity, if any.
    pub fn identity(&self) -> Result<Option<TillIdentity>> {
        read_identity(&self.conn)
    }

    // ----- documents ------------------------------------------------------------------------

    /// Records a sale: in one `BEGIN IMMEDIATE` transaction takes the next sequence and ticket
    /// number, totals the lines under the shared rule, validates, seals onto the chain, and stores
    /// the document with its outbox row. When this returns, the sale survives power loss.
    pub fn record_sale(
        &mut self,
        cashier: Option<StaffId>,
        lines: Vec<CartLine>,
        ticket_discount: Money,
        payments: Vec<Payment>,
    ) -> Result<Document> {
        self.record_sale_then(cashier, lines, ticket_discount, payments, |_| Ok(()))
    }

    /// [`Ledger::record_sale`], running `then` inside the sale's transaction after the document's
    /// number is taken (`counter.last_seq` is the sale's seq): an error from it rolls the sale back.
    pub(crate) fn record_sale_then(
        &mut self,
        cashier: Option<StaffId>,
        lines: Vec<CartLine>,
        ticket_discount: Money,
        payments: Vec<Payment>,
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<Document> {
        let sale_lines: Vec<_> = lines.iter().map(CartLine::to_sale_line).collect();
        let inputs: Vec<_> = lines.iter().map(CartLine::input).collect();
        // Totals first, outside the transaction: a bad cart never touches the counter.
        let totals = compute_totals(&inputs, ticket_discount)?;
        let mut body = Some(DocumentBody::Sale(Sale {
            ticket_number: String::new(),
            cashier_id: cashier,
            lines: sale_lines,
            ticket_discount,
            payments,
            totals,
        }));
        self.append_with(true, |tx, ident, ticket| {
            let mut body = body.take().ok_or_else(|| {
                LedgerError::Invalid("internal: sale body already used".to_string())
            })?;
            if let DocumentBody::Sale(s) = &mut body {
                s.ticket_number = format!("{}-{:06}", ident.ticket_series, ticket);
            }
            then(tx)?;
            Ok(body)
        })
    }

    /// Records any non-sale document (refund, cash movement, cash close, stock movement) with
    /// the same sequencing and chaining as a sale. Sales go through [`Ledger::record_sale`] so
    /// that their ticket number is taken from the counter. A refund with an empty
    /// `refund_number` is numbered here, inside the transaction, from this till's series
    /// (`T0007-R000001`, gapless because refunds are never deleted).
    pub fn record_document(&mut self, body: DocumentBody) -> Result<Document> {
        if matches!(body, DocumentBody::Sale(_)) {
            return Err(LedgerError::Invalid(
                "sales are recorded with record_sale, which numbers the ticket".to_string(),
            ));
        }
        let mut body = Some(body);
        self.append_with(false, |tx, ident, _| {
            let mut body = body
                .take()
                .ok_or_else(|| LedgerError::Invalid("internal: body already used".to_string()))?;
            if let DocumentBody::Refund(r) = &mut body
                && r.refund_number.trim().is_empty()
            {
                let n: i64 = tx.query_row(
                    "SELECT COUNT(*) + 1 FROM documents WHERE kind = 'refund'",
                    [],
                    |r| r.get(0),
                )?;
                r.refund_number = format!("{}-R{:06}", ident.ticket_series, n);
            }
            Ok(body)
        })
    }

    /// The one place documents are created. `make` runs inside the transaction, after the
    /// counter row was bumped, so any error rolls the number back: the sequence stays gapless.
    pub(crate) fn append_with(
        &mut self,
        is_sale: bool,
        make: impl FnOnce(&Transaction<'_>, &TillIdentity, i64) -> Result<DocumentBody>,
    ) -> Result<Document> {
        let now = self.now();
        self.append_at(is_sale, now, make)
    }

    /// [`Ledger::append_with`] at a given till time (a full invoice prints the time it records).
    /// Sales, refunds and full invoices get their VERI*FACTU record in the same transaction.
    pub(crate) fn append_at(
        &mut self,
        is_sale: bool,
        till_time: DateTime<Utc>,
        make: impl FnOnce(&Transaction<'_>, &TillIdentity, i64) -> Result<DocumentBody>,
    ) -> Result<Document> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ident = read_identity(&tx)?.ok_or(LedgerError::NotEnrolled)?;
        let inc = i64::from(is_sale);
        let (seq, prev_hash, ticket): (i64, String, i64) = tx.query_row(
            "UPDATE counter SET last_seq = last_seq + 1, next_ticket = next_ticket + ?1
             WHERE id = 1 RETURNING last_seq, last_hash, next_ticket - ?1",
            [inc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let body = make(&tx, &ident, ticket)?;
        // Checked inside the write transaction, so a Z close cannot slip between check and insert.
        if matches!(body, DocumentBody::Sale(_) | DocumentBody::Refund(_))
            && !crate::shift::shift_is_open(&tx)?
        {
            return Err(LedgerError::NoOpenShift);
        }
        body.validate().map_err(LedgerError::Invalid)?;
        let mut doc = Document::seal(
            DocumentId::new(),
            ident.till_id,
            ident.store_id,
            seq as u64,
            till_time,
            &prev_hash,
            body,
        );
        #[cfg(feature = "bench-baseline")]
        let record = if self.skip_records {
            None
        } else {
            verifactu::make_record(&tx, &ident, &doc)?
        };
        #[cfg(not(feature = "bench-baseline"))]
        let record = verifactu::make_record(&tx, &ident, &doc)?;
        let json = serde_json::to_string(&doc)
            .map_err(|e| LedgerError::Invalid(format!("cannot serialise document: {e}")))?;
        let total_cents = match &doc.body {
            DocumentBody::Sale(s) => Some(s.totals.total.cents()),
            DocumentBody::Refund(r) => Some(r.totals.total.cents()),
            DocumentBody::CashMovement(m) => Some(m.amount.cents()),
            DocumentBody::CashClose(c) => Some(c.gross.cents()),
            DocumentBody::ShiftOpen(o) => Some(o.float.cents()),
            DocumentBody::AuditEvent(a) => a.amount.map(Money::cents),
            DocumentBody::FullInvoice(i) => Some(i.totals.total.cents()),
            DocumentBody::StockMovement(_) | DocumentBody::ClockEvent(_) => None,
        };
        let id = doc.id.to_string();
        tx.execute(
            "INSERT INTO documents (id, seq, kind, json, hash, total_cents, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                seq,
                doc.body.kind().as_str(),
                json,
                doc.hash,
                total_cents,
                doc.till_time.to_rfc3339()
            ],
        )?;
        tx.execute(
            "UPDATE counter SET last_hash = ?1 WHERE id = 1",
            [&doc.hash],
        )?;
        tx.execute(
            "INSERT INTO outbox (seq, doc_id, state) VALUES (?1, ?2, 'pending')",
            params![seq, id],
        )?;
        if let Some(r) = &record {
            verifactu::insert(&tx, seq, r)?;
        }
        tx.commit()?;
        doc.verifactu = record.map(Box::new);
        Ok(doc)
    }

    /// A stored document by sequence number (for reprints and reports), with its VERI*FACTU record.
    pub fn document(&self, seq: u64) -> Result<Option<Document>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM documents WHERE seq = ?1",
                [seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        let Some(json) = json else { return Ok(None) };
        let mut doc = parse_doc(seq as i64, &json)?;
        verifactu::attach(&self.conn, &mut doc)?;
        Ok(Some(doc))
    }

    /// Number of documents in the ledger.
    pub fn document_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The last sequence number taken (0 before the first document).
    pub fn last_seq(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT last_seq FROM counter WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// Sum of all sale totals, exact in cents (the simulator compares it with HQ's figure).
    pub fn sales_gross(&self) -> Result<Money> {
        let cents: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(total_cents), 0) FROM documents WHERE kind = 'sale'",
            [],
            |r| r.get(0),
        )?;
        Ok(Money::from_cents(cents))
    }

    /// Re-verifies every document's hash, the chain from genesis, the gapless sequence, and
    /// that the counter row points at the last document. Returns the number of documents.
    pub fn verify_chain(&self) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, json, hash FROM documents ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut prev: Option<(u64, String)> = None;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let json: String = row.get(1)?;
            let hash: String = row.get(2)?;
            let doc = parse_doc(seq, &json)?;
            if doc.seq != seq as u64 || doc.hash != hash {
                return Err(LedgerError::BadStoredDocument(
                    seq,
                    "columns disagree with the document".to_string(),
                ));
            }
            doc.check_follows(prev.as_ref().map(|(s, h)| (*s, h.as_str())))?;
            prev = Some((doc.seq, doc.hash));
            count += 1;
        }
        let (last_seq, last_hash): (i64, String) = self.conn.query_row(
            "SELECT last_seq, last_hash FROM counter WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (pseq, phash) = prev.unwrap_or((0, GENESIS_HASH.to_string()));
        if last_seq as u64 != pseq || last_hash != phash {
            return Err(LedgerError::CounterMismatch(format!(
                "counter says seq {last_seq}, last document is seq {pseq}"
            )));
        }
        Ok(count)
    }

    // ----- outbox ---------------------------------------------------------------------------

    /// Up to `limit` unacknowledged documents (not those in conflict), in sequence order, each
    /// with its VERI*FACTU record: records travel to HQ beside their documents.
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<Document>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.seq, d.json, v.json FROM outbox o JOIN documents d ON d.seq = o.seq
             LEFT JOIN verifactu_records v ON v.doc_seq = d.seq
             WHERE o.state = 'pending' ORDER BY o.seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json, record) = row?;
            let mut doc = parse_doc(seq, &json)?;
            if let Some(r) = record {
                doc.verifactu = Some(Box::new(serde_json::from_str(&r).map_err(|e| {
                    LedgerError::Fiscal(format!(
                        "the VERI*FACTU record of document {seq} cannot be read: {e}"
                    ))
                })?));
            }
            out.push(doc);
        }
        Ok(out)
    }

    /// Drops outbox rows HQ has durably stored. Only call with sequences HQ acknowledged
    /// (status stored or duplicate). Returns how many rows were removed.
    pub fn ack(&mut self, seqs: &[u64]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?;
            for &s in seqs {
                n += stmt.execute([s as i64])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Marks a document HQ reported as a conflict. It stays in the outbox (never dropped) but is
    /// no longer pushed; the till shows it and HQ has raised an alert.
    pub fn mark_conflict(&mut self, seq: u64, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'conflict', attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq as i64, message],
        )?;
        Ok(())
    }

    /// Notes a failed push attempt for these documents (for the sync status screen).
    pub fn note_push_failure(&mut self, seqs: &[u64], message: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            )?;
            for &s in seqs {
                stmt.execute(params![s as i64, message])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Documents not yet acknowledged by HQ, conflicts included: what the till shows as "waiting".
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Till time of the oldest document HQ has not acknowledged, for the "waiting since" display
    /// (and for refusing a logout while documents are waiting).
    pub fn oldest_unacknowledged(&self) -> Result<Option<DateTime<Utc>>> {
        let created: Option<String> = self.conn.query_row(
            "SELECT d.created FROM outbox o JOIN documents d ON d.seq = o.seq ORDER BY o.seq LIMIT 1",
            [],
            |r| r.get(0),
        ).optional()?;
        created
            .map(|c| {
                DateTime::parse_from_rfc3339(&c)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| LedgerError::Invalid(format!("bad stored time '{c}': {e}")))
            })
            .transpose()
    }

    /// Documents held back because HQ reported a conflict, with HQ's message.
    pub fn conflicts(&self) -> Result<Vec<(u64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, COALESCE(last_error, '') FROM outbox WHERE state = 'conflict' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ----- catalog --------------------------------------------------------------------------

    /// Applies one page of HQ's change log and the new cursor in one transaction. Changes at or
    /// below the current cursor are skipped, so applying a page twice changes nothing. A change of
    /// a kind this build does not know (a newer HQ) is skipped and recorded, never fails the page
    /// (see [`Ledger::skipped_change_kinds`]). Returns how many changes were applied.
    pub fn apply_changes(&mut self, page: &ChangesPage) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 =
            tx.query_row("SELECT cursor FROM sync_cursor WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        let mut applied = 0;
        let mut new_cursor = current.max(page.next_cursor);
        for c in &page.changes {
            if c.cursor <= current {
                continue;
            }
            new_cursor = new_cursor.max(c.cursor);
            if let CatalogChange::Unknown { kind } = &c.change {
                growth::record_skipped(&tx, kind, c.cursor)?;
                continue;
            }
            apply_change(&tx, &c.change)?;
            applied += 1;
        }
        tx.execute(
            "UPDATE sync_cursor SET cursor = ?1 WHERE id = 1",
            [new_cursor],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// The last change-log position applied.
    pub fn cursor(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT cursor FROM sync_cursor WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Compacts the search index and refreshes planner statistics; worth calling after a large
    /// catalog pull (first sync), never needed for correctness.
    pub fn optimize(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "INSERT INTO products_fts (products_fts) VALUES ('optimize'); PRAGMA optimize;",
        )?;
        Ok(())
    }

    /// The active product with this exact barcode, at this store's price.
    pub fn lookup_barcode(&self, code: &str) -> Result<Option<CatalogItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name, b.code, p.rate_hundredths, p.price_cents, sp.price_cents
             FROM barcodes b
             JOIN products p ON p.id = b.product_id
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE b.code = ?1 AND p.active = 1",
        )?;
        Ok(stmt.query_row([code.trim()], catalog_item).optional()?)
    }

    /// The active product whose SKU is exactly `sku` (case ignored), at this store's price: an
    /// SKU typed in the scan field rings up like a scan.
    pub fn lookup_sku(&self, sku: &str) -> Result<Option<CatalogItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name,
                    (SELECT MIN(code) FROM barcodes WHERE product_id = p.id),
                    p.rate_hundredths, p.price_cents, sp.price_cents
             FROM products p
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE p.sku = ?1 COLLATE NOCASE AND p.active = 1
             LIMIT 1",
        )?;
        Ok(stmt.query_row([sku.trim()], catalog_item).optional()?)
    }

    /// Type-ahead search on product names: every word of `text` is a prefix, accents and case
    /// ignored ("cafe" finds "Café"). Unranked on purpose: bm25 cost grows with the match count.
    /// User input never reaches FTS5 syntax: words are reduced to letters and digits and quoted.
    pub fn search_products(&self, text: &str, limit: usize) -> Result<Vec<CatalogItem>> {
        let Some(query) = fts_prefix_query(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name,
                    (SELECT MIN(code) FROM barcodes WHERE product_id = p.id),
                    p.rate_hundredths, p.price_cents, sp.price_cents
             FROM products_fts f
             JOIN products p ON p.id = f.rowid
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE products_fts MATCH ?1 AND p.active = 1
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], catalog_item)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Checks `pin` for the given member of staff (argon2 against the hash HQ pushed).
    pub fn verify_pin(&self, staff_id: StaffId, pin: &str) -> Result<Option<Staff>> {
        let row: Option<(i64, String, String, String)> = self
            .conn
            .query_row(
                "SELECT id, name, role, pin_hash FROM staff WHERE id = ?1 AND active = 1",
                [staff_id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.and_then(|r| staff_if_pin_matches(r, pin)))
    }

    /// Finds the active member of staff whose PIN this is (PIN-only login). Tries each hash, so
    /// it costs one argon2 verification per active staff member; fine for a store's staff list.
    pub fn find_staff_by_pin(&self, pin: &str) -> Result<Option<Staff>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            if let Some(s) = staff_if_pin_matches(row?, pin) {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// The store's active managers as HQ sent them, by id (tools that open a shift unattended,
    /// such as the till simulator, open it in the first one's name).
    pub fn managers(&self) -> Result<Vec<Staff>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name FROM staff WHERE active = 1 AND role = 'manager' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Staff {
                id: StaffId(r.get(0)?),
                name: r.get(1)?,
                role: StaffRole::Manager,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The store header for receipts, once HQ has sent it.
    pub fn store_info(&self) -> Result<Option<StoreRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT store_id, name, address, franchisee_id, franchisee_legal_name, franchisee_nif, receipt_footer,
                        receipt_header, cash_tolerance_cents, single_manager
                 FROM store_info WHERE id = 1",
                [],
                |r| {
                    Ok(StoreRecord {
                        id: StoreId(r.get(0)?),
                        name: r.get(1)?,
                        address: r.get(2)?,
                        franchisee_id: FranchiseeId(r.get(3)?),
                        franchisee_legal_name: r.get(4)?,
                        franchisee_nif: r.get(5)?,
                        receipt_footer: r.get(6)?,
                        receipt_header: r.get(7)?,
                        cash_tolerance: r.get::<_, Option<i64>>(8)?.map(Money::from_cents),
                        time_zone: None,
                        single_manager: r.get::<_, i64>(9)? != 0,
                    })
                },
            )
            .optional()?)
    }
}

fn read_identity(conn: &Connection) -> Result<Option<TillIdentity>> {
    Ok(conn
        .query_row(
            "SELECT server_url, till_id, store_id, franchisee_id, ticket_series, token, device_name
             FROM till_identity WHERE id = 1",
            [],
            |r| {
                Ok(TillIdentity {
                    server_url: r.get(0)?,
                    till_id: TillId(r.get(1)?),
                    store_id: StoreId(r.get(2)?),
                    franchisee_id: FranchiseeId(r.get(3)?),
                    ticket_series: r.get(4)?,
                    token: r.get(5)?,
                    device_name: r.get(6)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn parse_doc(seq: i64, json: &str) -> Result<Document> {
    serde_json::from_str(json).map_err(|e| LedgerError::BadStoredDocument(seq, e.to_string()))
}

fn catalog_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<CatalogItem> {
    let hq: i64 = r.get(5)?;
    let store: Option<i64> = r.get(6)?;
    Ok(CatalogItem {
        product_id: ProductId(r.get(0)?),
        sku: r.get(1)?,
        name: r.get(2)?,
        barcode: r.get(3)?,
        tax_rate: TaxRate::from_hundredths(r.get(4)?),
        price: Money::from_cents(store.unwrap_or(hq)),
        hq_price: Money::from_cents(hq),
        store_override: store.is_some(),
    })
}

fn staff_if_pin_matches(
    (id, name, role, hash): (i64, String, String, String),
    pin: &str,
) -> Option<Staff> {
    let parsed = match PasswordHash::new(&hash) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(staff_id = id, error = %e, "unreadable PIN hash from HQ");
            return None;
        }
    };
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .ok()?;
    let role = if role == "manager" {
        StaffRole::Manager
    } else {
        StaffRole::Cashier
    };
    Some(Staff {
        id: StaffId(id),
        name,
        role,
    })
}

fn role_str(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Cashier => "cashier",
        StaffRole::Manager => "manager",
    }
}

/// Applies one catalog change as an upsert or delete, so replaying it is harmless.
fn apply_change(tx: &Transaction<'_>, change: &CatalogChange) -> Result<()> {
    match change {
        CatalogChange::TaxRate(t) => {
            tx.prepare_cached(
                "INSERT INTO tax_rates (id, name, rate_hundredths) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, rate_hundredths = excluded.rate_hundredths",
            )?
            .execute(params![t.id, t.name, t.rate.hundredths()])?;
        }
        CatalogChange::Product(p) => {
            tx.prepare_cached(
                "INSERT INTO products (id, sku, name, tax_rate_id, rate_hundredths, price_cents, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name,
                   tax_rate_id = excluded.tax_rate_id, rate_hundredths = excluded.rate_hundredths,
                   price_cents = excluded.price_cents, active = excluded.active",
            )?
            .execute(params![
                p.id.0,
                p.sku,
                p.name,
                p.tax_rate_id,
                p.tax_rate.hundredths(),
                p.price.cents(),
                p.active
            ])?;
        }
        CatalogChange::ProductDeleted { id } => {
            tx.execute("DELETE FROM barcodes WHERE product_id = ?1", [id.0])?;
            tx.execute("DELETE FROM store_prices WHERE product_id = ?1", [id.0])?;
            tx.execute("DELETE FROM products WHERE id = ?1", [id.0])?;
        }
        CatalogChange::Barcode { code, product_id } => {
            tx.prepare_cached(
                "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)
                 ON CONFLICT (code) DO UPDATE SET product_id = excluded.product_id",
            )?
            .execute(params![code.trim(), product_id.0])?;
        }
        CatalogChange::BarcodeDeleted { code } => {
            tx.execute("DELETE FROM barcodes WHERE code = ?1", [code.trim()])?;
        }
        CatalogChange::StorePrice { product_id, price } => {
            tx.prepare_cached(
                "INSERT INTO store_prices (product_id, price_cents) VALUES (?1, ?2)
                 ON CONFLICT (product_id) DO UPDATE SET price_cents = excluded.price_cents",
            )?
            .execute(params![product_id.0, price.cents()])?;
        }
        CatalogChange::StorePriceCleared { product_id } => {
            tx.execute(
                "DELETE FROM store_prices WHERE product_id = ?1",
                [product_id.0],
            )?;
        }
        CatalogChange::Staff(s) => {
            tx.prepare_cached(
                "INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,
                   pin_hash = excluded.pin_hash, active = excluded.active",
            )?
            .execute(params![
                s.id.0,
                s.name,
                role_str(s.role),
                s.pin_hash,
                s.active
            ])?;
        }
        CatalogChange::StaffDeleted { id } => {
            tx.execute("DELETE FROM staff WHERE id = ?1", [id.0])?;
        }
        CatalogChange::BarcodeRule(r) => {
            tx.prepare_cached(
                "INSERT INTO barcode_rules (id, prefix, kind, item_digits, value_digits, decimals, verifier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, kind = excluded.kind,
                   item_digits = excluded.item_digits, value_digits = excluded.value_digits,
                   decimals = excluded.decimals, verifier = excluded.verifier",
            )?
            .execute(params![
                r.id,
                r.prefix,
                scan::kind_str(r.kind),
                i64::try_from(r.item_digits).unwrap_or(i64::MAX),
                i64::try_from(r.value_digits).unwrap_or(i64::MAX),
                r.decimals,
                r.verifier
            ])?;
        }
        CatalogChange::BarcodeRuleDeleted { id } => {
            tx.execute("DELETE FROM barcode_rules WHERE id = ?1", [id])?;
        }
        CatalogChange::DeliveryNote(n) => deliveries::apply(tx, n)?,
        CatalogChange::QuickKeys(l) => quick_keys::apply(tx, l)?,
        CatalogChange::QuickKeysCleared { .. } => quick_keys::clear_store(tx)?,
        CatalogChange::Promotion(p) => promotions::apply_promotion(tx, p)?,
        CatalogChange::PriceSchedule(s) => promotions::apply_price_schedule(tx, s)?,
        CatalogChange::PriceScheduleCancelled { id } => promotions::cancel_price_schedule(tx, *id)?,
        // Recorded by `apply_changes` before it gets here.
        CatalogChange::Unknown { .. } => {}
        CatalogChange::Store(s) => {
            promotions::apply_store_zone(tx, s)?;
            tx.execute(
                "INSERT INTO store_info (id, store_id, name, address, franchisee_id, franchisee_legal_name, franchisee_nif,
                   receipt_footer, receipt_header, cash_tolerance_cents, single_manager)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET store_id = excluded.store_id, name = excluded.name,
                   address = excluded.address, franchisee_id = excluded.franchisee_id,
                   franchisee_legal_name = excluded.franchisee_legal_name,
                   franchisee_nif = excluded.franchisee_nif, receipt_footer = excluded.receipt_footer,
                   receipt_header = excluded.receipt_header,
                   cash_tolerance_cents = excluded.cash_tolerance_cents,
                   single_manager = excluded.single_manager",
                params![
                    s.id.0,
                    s.name,
                    s.address,
                    s.franchisee_id.0,
                    s.franchisee_legal_name,
                    s.franchisee_nif,
                    s.receipt_footer,
                    s.receipt_header,
                    // A negative tolerance is never sent by HQ; if one came, it is ignored (the
                    // till's own setting applies) rather than stalling the pull.
                    s.cash_tolerance
                        .filter(|t| !t.is_negative())
                        .map(|t| t.cents()),
                    s.single_manager
                ],
            )?;
        }
    }
    Ok(())
}

/// Turns free text into a safe FTS5 query: each word becomes `"word"*` (AND-ed). Anything that
/// is not a letter or digit separates words, so quotes, `*`, `:`, `^`, `(`, `-`, `NEAR` and column
/// filters cannot be injected. One-character words are dropped when there are longer ones
/// (a 1-character prefix is not pre-indexed and scans the whole index); `None` when nothing is left.
pub fn fts_prefix_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 2).collect();
    if long.is_empty() {
        return None;
    }
    Some(
        long.iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Renames a damaged ledger (and its WAL/SHM side files) to `<name>.corrupt-<timestamp>`.
/// Never deletes: the documents in it may be the only copy.
fn set_aside(path: &Path) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger.db".to_string());
    let mut aside = path.with_file_name(format!("{file_name}.corrupt-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        aside = path.with_file_name(format!("{file_name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &aside).map_err(|source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&side, &to).map_err(|source| LedgerError::Io { path: side, source })?;
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_is_sanitised() {
        assert_eq!(fts_prefix_query("café"), Some("\"café\"*".to_string()));
        assert_eq!(
            fts_prefix_query("jam\" OR ib*:^(x)"),
            Some("\"jam\"* \"OR\"* \"ib\"*".to_string())
        );
        assert_eq!(fts_prefix_query("ver1.1"), Some("\"ver1\"*".to_string()));
        assert_eq!(fts_prefix_query("a"), None);
        assert_eq!(fts_prefix_query("  \"* "), None);
    }
}

/// A receipt waiting in (or printed from) the reprint queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    pub id: i64,
    /// The sale or refund it prints, if any (test pages and reports have none).
    pub doc_seq: Option<u64>,
    pub label: String,
    pub bytes: Vec<u8>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

// Reprint queue (migration 0002), used by `printer::PrintQueue`.
impl Ledger {
    /// Stores a print job, durably, before anything is sent to the printer.
    pub fn enqueue_print(
        &mut self,
        doc_seq: Option<u64>,
        label: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO print_jobs (doc_seq, label, bytes, created) VALUES (?1, ?2, ?3, ?4)",
            params![
                doc_seq.map(|s| s as i64),
                label,
                bytes,
                Utc::now().to_rfc3339()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sales and refunds committed after the newest one with a print job and that have none: the
    /// till died between the sale's commit and queueing its receipt. Only ever the tail of the
    /// ledger (every sale and refund the till rings is queued, printer or not).
    pub fn receipts_never_queued(&self) -> Result<Vec<u64>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.seq FROM documents d
             WHERE d.kind IN ('sale', 'refund')
               AND d.seq > (SELECT COALESCE(MAX(doc_seq), 0) FROM print_jobs)
               AND NOT EXISTS (SELECT 1 FROM print_jobs p WHERE p.doc_seq = d.seq)
             ORDER BY d.seq",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows
            .map(|r| r.map(|s| s as u64))
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Jobs not printed yet, oldest first.
    pub fn pending_prints(&self, limit: usize) -> Result<Vec<PrintJob>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, doc_seq, label, bytes, attempts, last_error FROM print_jobs
             WHERE state = 'pending' ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(PrintJob {
                id: r.get(0)?,
                doc_seq: r.get::<_, Option<i64>>(1)?.map(|s| s as u64),
                label: r.get(2)?,
                bytes: r.get(3)?,
                attempts: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a job printed (it stays in the table for audits).
    pub fn mark_printed(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL, printed = ?2 WHERE id = ?1",
            params![id, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// Records a failed attempt; the job stays pending.
    pub fn note_print_failure(&mut self, id: i64, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, message],
        )?;
        Ok(())
    }
}
