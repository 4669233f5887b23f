//! The till's durable ledger on SQLite: identity, gapless sequence, sealed documents, outbox and catalog.
//! Every sale is committed (WAL, `synchronous=FULL`) with its outbox row in one transaction before anything prints.

//!
//! The code is split along its seams: `open` (lock, migrations, recovery, identity), `chain`
//! (appending and verifying documents), `outbox`, `catalog`, `staff` (PIN checks) and
//! `print_queue`; the schema's migrations stay listed here.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use sync_protocol::{
    ChainError, FranchiseeId, Money, ProductId, StaffId, StaffRole, StoreId, TaxRate, TillId,
    TotalsError,
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
        "0012_customers",
        include_str!("../../migrations/terminal/0012_customers.sql"),
    ),
    (
        "0013_promotions",
        include_str!("../../migrations/terminal/0013_promotions.sql"),
    ),
    (
        "0014_report_mails",
        include_str!("../../migrations/terminal/0014_report_mails.sql"),
    ),
    (
        "0015_store_report_email",
        include_str!("../../migrations/terminal/0015_store_report_email.sql"),
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
mod catalog;
mod chain;
mod customers;
mod deliveries;
mod enrolment;
mod growth;
mod handle;
mod invoices;
mod open;
mod outbox;
mod print_queue;
mod promotions;
mod quick_keys;
mod scan;
mod staff;
mod tickets;
mod verifactu;
pub use card_attempts::{AttemptEnd, CardAttempt, CardAttemptState, cart_key};
use catalog::catalog_item;
pub use catalog::fts_prefix_query;
pub(crate) use chain::parse_doc;
pub use customers::{HqQueue, TillCustomer};
pub use deliveries::LocalDeliveryNote;
pub use handle::{CallError, LedgerHandle, WithLedger};
pub use invoices::FullInvoice;
use open::read_identity;
pub use print_queue::PrintJob;
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
