//! What both SQL backends share: the migrations list, column encodings (cents, microseconds, business
//! days), the change-log records, the report rows of a document, and the messages people read.
//! Each backend keeps only its own SQL and driver calls.

use super::{Problem, ReportGroup, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use sync_protocol::{
    CatalogChange, Document, DocumentBody, Money, ProductId, ProductRecord, StaffId, StaffRecord,
    StaffRole, StoreId, StoreRecord, TaxRate,
};

/// One schema step. The SQL differs per backend; the version and name are the same on both.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

// SQLITE_MIGRATIONS and POSTGRES_MIGRATIONS: every file of migrations/server/{sqlite,postgres}, in
// version order, listed by build.rs (which also checks both backends have the same names).
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Refuses a database written by a newer build (invariant 8: never guess).
pub fn check_not_newer(newest_applied: i64, migrations: &[Migration]) -> Result<(), StorageError> {
    let known = migrations.last().map(|m| m.version).unwrap_or(0);
    if newest_applied > known {
        return Err(StorageError::Invalid(
            Problem::new("database_newer")
                .with("found", newest_applied)
                .with("known", known),
        ));
    }
    Ok(())
}

// --- column encodings -------------------------------------------------------------------------

/// Timestamps are stored as microseconds since the epoch, UTC.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

pub fn opt_from_micros(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(from_micros)
}

/// The business day an instant falls on in HQ's time zone (HQ's own documents, "today" on the
/// dashboard). A store's documents use the store's zone, see [`trastienda_l10n::business_day`].
pub fn business_day(t: DateTime<Utc>) -> NaiveDate {
    trastienda_l10n::business_day(t, trastienda_l10n::DEFAULT_TIME_ZONE)
}

pub fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_day(s: &str) -> Result<NaiveDate, StorageError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StorageError::Backend(format!("bad business day {s:?} in database: {e}")))
}

pub fn role_text(r: StaffRole) -> &'static str {
    match r {
        StaffRole::Cashier => "cashier",
        StaffRole::Manager => "manager",
    }
}

pub fn parse_role(s: &str) -> Result<StaffRole, StorageError> {
    match s {
        "cashier" => Ok(StaffRole::Cashier),
        "manager" => Ok(StaffRole::Manager),
        other => Err(StorageError::Backend(format!(
            "unknown staff role {other:?} in database"
        ))),
    }
}

/// Ticket series of a till: `T` and the till id, zero-padded to four digits.
pub fn ticket_series(till_id: i64) -> String {
    format!("T{till_id:04}")
}

/// A `LIKE` pattern matching `q` anywhere, with `\` as the escape character.
pub fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub fn to_i64(v: u64, what: &str) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| {
        StorageError::Invalid(
            Problem::new("too_large")
                .with("what", what)
                .with("value", v),
        )
    })
}

pub fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub fn json<T: serde::Serialize>(v: &T) -> Result<String, StorageError> {
    serde_json::to_string(v).map_err(|e| StorageError::Backend(format!("serialising: {e}")))
}

pub fn parse_change(payload: &str) -> Result<CatalogChange, StorageError> {
    serde_json::from_str(payload)
        .map_err(|e| StorageError::Backend(format!("bad change-log payload: {e}")))
}

// --- the change log ---------------------------------------------------------------------------

/// One change-log row to write: which store sees it (`None` = all) and the change.
pub struct ChangeRow {
    pub store_id: Option<i64>,
    /// The change's kind (`"type"` on the wire), to judge which tills can apply it.
    pub kind: String,
    pub payload: String,
}

impl ChangeRow {
    pub fn global(c: &CatalogChange) -> Result<Self, StorageError> {
        Ok(Self {
            store_id: None,
            kind: c.kind().to_string(),
            payload: json(c)?,
        })
    }
    pub fn for_store(store: i64, c: &CatalogChange) -> Result<Self, StorageError> {
        Ok(Self {
            store_id: Some(store),
            kind: c.kind().to_string(),
            payload: json(c)?,
        })
    }
}

pub fn product_change(p: &super::Product) -> Result<ChangeRow, StorageError> {
    ChangeRow::global(&CatalogChange::Product(ProductRecord {
        id: p.id,
        sku: p.sku.clone(),
        name: p.name.clone(),
        tax_rate_id: p.tax_rate_id,
        tax_rate: p.tax_rate,
        price: p.price,
        active: p.active,
    }))
}

pub fn barcode_change(code: &str, product_id: i64) -> Result<ChangeRow, StorageError> {
    ChangeRow::global(&CatalogChange::Barcode {
        code: code.to_string(),
        product_id: ProductId(product_id),
    })
}

pub fn barcode_deleted_change(code: &str) -> Result<ChangeRow, StorageError> {
    ChangeRow::global(&CatalogChange::BarcodeDeleted {
        code: code.to_string(),
    })
}

pub fn store_price_change(
    store_id: i64,
    product_id: i64,
    price: Option<Money>,
) -> Result<ChangeRow, StorageError> {
    let product_id = ProductId(product_id);
    let c = match price {
        Some(price) => CatalogChange::StorePrice { product_id, price },
        None => CatalogChange::StorePriceCleared { product_id },
    };
    ChangeRow::for_store(store_id, &c)
}

/// A staff change: the full record (with the PIN hash, so tills check PINs offline) or a tombstone.
pub fn staff_change(
    id: i64,
    name: &str,
    role: StaffRole,
    store_id: i64,
    pin_hash: &str,
    active: bool,
) -> Result<ChangeRow, StorageError> {
    let c = if active {
        CatalogChange::Staff(StaffRecord {
            id: StaffId(id),
            name: name.to_string(),
            role,
            pin_hash: pin_hash.to_string(),
            active,
        })
    } else {
        CatalogChange::StaffDeleted { id: StaffId(id) }
    };
    ChangeRow::for_store(store_id, &c)
}

pub fn store_change(
    s: &super::Store,
    franchisee_legal_name: &str,
    franchisee_nif: &str,
) -> Result<ChangeRow, StorageError> {
    ChangeRow::for_store(
        s.id.0,
        &CatalogChange::Store(StoreRecord {
            id: s.id,
            name: s.name.clone(),
            address: s.address.clone(),
            franchisee_id: s.franchisee_id,
            franchisee_legal_name: franchisee_legal_name.to_string(),
            franchisee_nif: franchisee_nif.to_string(),
            receipt_footer: s.receipt_footer.clone(),
            receipt_header: s.receipt_header.clone(),
            cash_tolerance: Some(s.cash_tolerance),
            time_zone: Some(s.time_zone.name().to_string()),
            single_manager: s.single_manager,
            report_email: s.report_email.clone(),
        }),
    )
}

/// The columns of a store row, in the order `store_row` reads them.
pub const STORE_COLUMNS: &str = "id, franchisee_id, name, address, receipt_footer, receipt_header, \
     cash_tolerance_cents, time_zone, single_manager, report_email";

/// A store with the patch applied (`None` leaves a field as it is).
pub fn patched_store(mut s: super::Store, p: &super::StorePatch) -> super::Store {
    if let Some(v) = &p.name {
        s.name = v.clone();
    }
    if let Some(v) = &p.address {
        s.address = v.clone();
    }
    if let Some(v) = &p.receipt_header {
        s.receipt_header = v.clone();
    }
    if let Some(v) = &p.receipt_footer {
        s.receipt_footer = v.clone();
    }
    if let Some(v) = p.cash_tolerance {
        s.cash_tolerance = v;
    }
    if let Some(v) = p.time_zone {
        s.time_zone = v;
    }
    if let Some(v) = p.single_manager {
        s.single_manager = v;
    }
    if let Some(v) = &p.report_email {
        s.report_email = v.clone();
    }
    s
}

/// A franchisee with the patch applied (`None` leaves a field as it is).
pub fn patched_franchisee(
    mut f: super::Franchisee,
    p: &super::FranchiseePatch,
) -> super::Franchisee {
    if let Some(v) = &p.legal_name {
        f.legal_name = v.clone();
    }
    if let Some(v) = &p.nif {
        f.nif = v.clone();
    }
    if let Some(v) = &p.address {
        f.address = v.clone();
    }
    f
}

/// Builds a page from rows `(cursor, store_id, payload)` read in cursor order (at most `limit + 1` of them)
/// and `log_end`, the newest cursor of the whole log read in the same snapshot. Rows of other stores are
/// skipped; when nothing more is visible the cursor moves to the end of the log, past other stores' rows.
pub fn changes_page(
    store_id: StoreId,
    cursor: i64,
    limit: u32,
    rows: Vec<(i64, Option<i64>, String)>,
    log_end: Option<i64>,
) -> Result<sync_protocol::ChangesPage, StorageError> {
    let limit = limit as usize;
    let has_more = rows.len() > limit;
    let mut next_cursor = cursor;
    let mut changes = Vec::with_capacity(rows.len().min(limit));
    for (c, s, payload) in rows.into_iter().take(limit) {
        next_cursor = c;
        if s.is_some_and(|s| s != store_id.0) {
            continue;
        }
        changes.push(sync_protocol::Change {
            cursor: c,
            change: parse_change(&payload)?,
        });
    }
    if !has_more {
        next_cursor = next_cursor.max(log_end.unwrap_or(cursor));
    }
    Ok(sync_protocol::ChangesPage {
        protocol_version: sync_protocol::PROTOCOL_VERSION,
        changes,
        next_cursor,
        has_more,
    })
}

/// A page size the backends accept: 1 ..= MAX_PULL_PAGE.
pub fn page_limit(limit: u32) -> u32 {
    limit.clamp(1, sync_protocol::MAX_PULL_PAGE)
}

// --- documents --------------------------------------------------------------------------------

/// One line's report row: (line_id, product_id, quantity_milli, gross_cents, net_cents,
/// tax_rate_hundredths, promotion_id (0: none), promotion_cents: the line's discount when a
/// promotion gave it).
pub type SaleLineRow = (String, i64, i64, i64, i64, i64, i64, i64);

/// The report rows of a sale or refund.
pub struct SaleRows<'a> {
    pub kind: &'static str,
    pub number: &'a str,
    pub total_cents: i64,
    pub net_cents: i64,
    pub tax_cents: i64,
    pub lines: Vec<SaleLineRow>,
    /// (payment_id, tender, amount_cents)
    pub payments: Vec<(String, &'static str, i64)>,
}

pub fn sale_rows(doc: &Document) -> Option<SaleRows<'_>> {
    let (kind, number, lines, payments, totals) = match &doc.body {
        DocumentBody::Sale(s) => ("sale", &s.ticket_number, &s.lines, &s.payments, &s.totals),
        DocumentBody::Refund(r) => ("refund", &r.refund_number, &r.lines, &r.payments, &r.totals),
        _ => return None,
    };
    Some(SaleRows {
        kind,
        number,
        total_cents: totals.total.cents(),
        net_cents: totals.net.cents(),
        tax_cents: totals.tax.cents(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let t = totals.lines.get(i);
                let gross = t.map(|t| t.gross.cents()).unwrap_or_default();
                let net = t.map(|t| t.net.cents()).unwrap_or(gross);
                (
                    l.line_id.to_string(),
                    l.product_id.0,
                    l.quantity.milli(),
                    gross,
                    net,
                    l.tax_rate.hundredths(),
                    l.promotion.as_ref().map_or(0, |p| p.id),
                    if l.promotion.is_some() {
                        l.discount.cents()
                    } else {
                        0
                    },
                )
            })
            .collect(),
        payments: payments
            .iter()
            .map(|p| {
                (
                    p.payment_id.to_string(),
                    p.tender.as_str(),
                    p.amount.cents(),
                )
            })
            .collect(),
    })
}

/// What is already stored under a pushed document's id or its (till, seq).
pub struct Existing {
    pub id: String,
    pub seq: i64,
    pub hash: String,
}

/// Why a pushed document clashes with what is stored.
pub fn conflict_reason(doc: &Document, existing: &Existing, by_id: bool) -> String {
    if by_id {
        format!(
            "document {} is already stored (till {}, seq {}) with a different hash; the new version was kept aside",
            doc.id, doc.till_id, existing.seq
        )
    } else {
        format!(
            "till {} already has document {} at seq {} with a different hash; document {} was kept aside",
            doc.till_id, existing.id, doc.seq, doc.id
        )
    }
}

pub fn gap_message(till_id: i64, from: i64, to: i64) -> String {
    if from == to {
        format!("till {till_id}: document seq {from} is missing")
    } else {
        format!("till {till_id}: documents seq {from} to {to} are missing")
    }
}

pub fn chain_break_message(doc_seq: i64, till_id: i64, prev_seq: i64) -> String {
    format!(
        "till {till_id}: document seq {doc_seq} does not chain to the hash of seq {prev_seq} held at HQ"
    )
}

pub const GAP_CLOSED_SUFFIX: &str = " (closed: the missing documents arrived)";

/// Tax rate as stored (hundredths of a percent).
pub fn tax_rate_from(h: i64) -> TaxRate {
    TaxRate::from_hundredths(h)
}

// --- reports ----------------------------------------------------------------------------------

/// The sales report query. `cast` wraps the sums for PostgreSQL (SUM(bigint) is numeric there);
/// `p1`/`p2` are the placeholders of the first and last business day.
pub fn report_sql(group: ReportGroup, cast: bool, p1: &str, p2: &str) -> String {
    let sum = |e: &str| {
        if cast {
            format!("CAST(SUM({e}) AS BIGINT)")
        } else {
            format!("SUM({e})")
        }
    };
    let (store, day, by) = match group {
        ReportGroup::Store => ("store_id", "CAST(NULL AS TEXT)", "store_id"),
        ReportGroup::Day => ("CAST(NULL AS BIGINT)", "business_day", "business_day"),
        ReportGroup::StoreDay => ("store_id", "business_day", "store_id, business_day"),
    };
    format!(
        "SELECT {store}, {day}, {tickets}, {refunds}, {gross}, {net}, {tax} \
         FROM sales WHERE business_day >= {p1} AND business_day <= {p2} \
         GROUP BY {by} ORDER BY {by}",
        tickets = sum("CASE WHEN kind = 'sale' THEN 1 ELSE 0 END"),
        refunds = sum("CASE WHEN kind = 'refund' THEN 1 ELSE 0 END"),
        gross = sum("CASE WHEN kind = 'sale' THEN total_cents ELSE -total_cents END"),
        net = sum("CASE WHEN kind = 'sale' THEN net_cents ELSE -net_cents END"),
        tax = sum("CASE WHEN kind = 'sale' THEN tax_cents ELSE -tax_cents END"),
    )
}

#[allow(clippy::too_many_arguments)]
pub fn report_row(
    store: Option<i64>,
    day: Option<String>,
    tickets: i64,
    refunds: i64,
    gross: i64,
    net: i64,
    tax: i64,
) -> Result<super::SalesReportRow, StorageError> {
    Ok(super::SalesReportRow {
        store_id: store.map(StoreId),
        day: day.as_deref().map(parse_day).transpose()?,
        tickets: to_u64(tickets),
        refunds: to_u64(refunds),
        gross: Money::from_cents(gross),
        net: Money::from_cents(net),
        tax: Money::from_cents(tax),
    })
}

// --- messages ---------------------------------------------------------------------------------

/// Skipped change kinds as stored: sorted, comma-separated (names are `a-z0-9_`).
pub fn kinds_text(kinds: &[String]) -> String {
    let mut k: Vec<&str> = kinds.iter().map(String::as_str).collect();
    k.sort_unstable();
    k.dedup();
    k.join(",")
}

/// The stored text back to kinds (none for NULL or empty).
pub fn kinds_from_text(text: Option<String>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

pub fn store_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("store_not_found").with("id", id))
}
pub fn franchisee_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("franchisee_not_found").with("id", id))
}
pub fn till_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("till_not_found").with("id", id))
}
pub fn staff_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("staff_not_found").with("id", id))
}
pub fn product_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("product_not_found").with("id", id))
}
pub fn barcode_not_found(code: &str) -> StorageError {
    StorageError::NotFound(Problem::new("barcode_not_found").with("code", code))
}
pub fn unknown_tax_rate(id: i64) -> StorageError {
    StorageError::Invalid(Problem::new("unknown_tax_rate").with("id", id))
}
pub fn barcode_taken(code: &str, owner: i64) -> StorageError {
    StorageError::Conflict(
        Problem::new("barcode_taken")
            .with("code", code)
            .with("product", owner),
    )
}
pub fn sku_taken(sku: &str, owner: i64) -> StorageError {
    StorageError::Conflict(
        Problem::new("sku_taken")
            .with("sku", sku)
            .with("product", owner),
    )
}
pub fn nif_taken(nif: &str, owner: i64) -> StorageError {
    StorageError::Conflict(
        Problem::new("nif_taken")
            .with("nif", nif)
            .with("franchisee", owner),
    )
}
pub fn barcode_rule_not_found(id: i64) -> StorageError {
    StorageError::NotFound(Problem::new("barcode_rule_not_found").with("id", id))
}
pub fn barcode_rule_prefix_taken(prefix: &str) -> StorageError {
    StorageError::Conflict(Problem::new("barcode_rule_prefix_taken").with("prefix", prefix))
}

pub fn measure_kind_text(k: sync_protocol::barcode::MeasureKind) -> &'static str {
    match k {
        sync_protocol::barcode::MeasureKind::Weight => "weight",
        sync_protocol::barcode::MeasureKind::Price => "price",
    }
}

/// A barcode rule from its columns `(id, prefix, kind, item_digits, value_digits, decimals, verifier)`.
pub fn barcode_rule(
    id: i64,
    prefix: String,
    kind: &str,
    item_digits: i64,
    value_digits: i64,
    decimals: i64,
    verifier: bool,
) -> Result<sync_protocol::BarcodeRuleRecord, StorageError> {
    let kind = match kind {
        "weight" => sync_protocol::barcode::MeasureKind::Weight,
        "price" => sync_protocol::barcode::MeasureKind::Price,
        other => {
            return Err(StorageError::Backend(format!(
                "unknown barcode rule kind {other:?} in database"
            )));
        }
    };
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok(sync_protocol::BarcodeRuleRecord {
        id,
        prefix,
        kind,
        item_digits: n(item_digits),
        value_digits: n(value_digits),
        decimals: u32::try_from(decimals).unwrap_or(0),
        verifier,
    })
}

/// The change every store's tills get for a rule written (`Some`) or deleted (`None`).
pub fn barcode_rule_change(
    id: i64,
    rule: Option<&sync_protocol::BarcodeRuleRecord>,
) -> Result<ChangeRow, StorageError> {
    ChangeRow::global(&match rule {
        Some(r) => CatalogChange::BarcodeRule(r.clone()),
        None => CatalogChange::BarcodeRuleDeleted { id },
    })
}

pub fn tax_rate_name_taken(name: &str) -> StorageError {
    StorageError::Conflict(Problem::new("tax_rate_name_taken").with("name", name))
}

/// Which value a unique index refused, from its table/column text (for violations that beat the
/// pre-checks, e.g. two instances racing).
pub fn unique_violation(detail: &str) -> Problem {
    let d = detail.to_ascii_lowercase();
    let what = if d.contains("barcode_rules") {
        "barcode_rule"
    } else if d.contains("barcodes") {
        "barcode"
    } else if d.contains("sku") {
        "sku"
    } else if d.contains("nif") {
        "nif"
    } else if d.contains("tax_rates") {
        "tax_rate"
    } else if d.contains("token_hash") {
        "token"
    } else if d.contains("code_hash") {
        "code"
    } else {
        "other"
    };
    Problem::new("already_in_use").with("what", what)
}

/// A one-time enrolment code that cannot be used.
pub fn enrolment_code_invalid() -> StorageError {
    StorageError::Invalid(Problem::new("enrolment_code_invalid"))
}

/// Sorts barcodes for stable output.
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Product in a report row with its barcodes.
#[allow(clippy::too_many_arguments)]
pub fn product(
    id: i64,
    sku: String,
    name: String,
    tax_rate_id: i64,
    rate_hundredths: i64,
    price_cents: i64,
    active: bool,
    barcodes: Vec<String>,
) -> super::Product {
    super::Product {
        id: ProductId(id),
        sku,
        name,
        tax_rate_id,
        tax_rate: tax_rate_from(rate_hundredths),
        price: Money::from_cents(price_cents),
        active,
        barcodes: sorted(barcodes),
    }
}

/// Z closes of `till_id` not reconciled yet.
pub const UNCHECKED_CLOSES: &str = "SELECT d.id, d.json FROM documents d
     LEFT JOIN cash_close_checks c ON c.document_id = d.id
     WHERE d.till_id = ?1 AND d.kind = 'cash_close' AND c.document_id IS NULL ORDER BY d.seq";

/// Documents of a till in a sequence range, in order.
pub const DOCS_IN_RANGE: &str =
    "SELECT json FROM documents WHERE till_id = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq";

pub const INSERT_CLOSE_CHECK: &str = "INSERT INTO cash_close_checks
     (document_id, till_id, z_number, state, message, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Parses a stored close; `None` when the stored JSON is not a cash close.
pub fn parse_close(json: &str) -> Result<Option<sync_protocol::CashClose>, StorageError> {
    let d: Document = serde_json::from_str(json)
        .map_err(|e| StorageError::Backend(format!("stored document does not parse: {e}")))?;
    Ok(match d.body {
        DocumentBody::CashClose(c) => Some(c),
        _ => None,
    })
}

pub fn parse_document(json: &str) -> Result<Document, StorageError> {
    serde_json::from_str(json)
        .map_err(|e| StorageError::Backend(format!("stored document does not parse: {e}")))
}
