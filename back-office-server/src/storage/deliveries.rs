//! HQ delivery notes (albaranes): created at HQ for one store, sent to that store's tills through the
//! change log, and marked received when a till pushes the `StockMovement` that names them. What both
//! backends share lives here: the records, the trait, and the comparison of a receipt with its note.

use super::StorageResult;
use super::sql::{self, ChangeRow};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use sync_protocol::{
    CatalogChange, DeliveryNoteLine, DeliveryNoteRecord, DeliveryNoteStatus, Document,
    DocumentBody, ProductId, Quantity, StoreId, TillId,
};

/// A delivery note to create. Validated by the caller: lines not empty, products exist (the backend
/// checks again in its transaction), quantities positive, one line per product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDeliveryNote {
    pub store_id: StoreId,
    pub supplier: String,
    pub expected_date: NaiveDate,
    pub lines: Vec<(ProductId, Quantity)>,
    /// Who created it: a dashboard user's name or "API admin #N".
    pub created_by: String,
    /// The unit cost of a product's line, when known (a receipt against the note updates the
    /// store's weighted average cost with it). Not negative, validated by the caller.
    #[serde(default)]
    pub unit_costs: Vec<(ProductId, rust_decimal::Decimal)>,
}

/// One line of a stored note: expected, and received once the store confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryLine {
    pub product_id: ProductId,
    /// Empty when the product is no longer in HQ's catalog.
    pub sku: String,
    pub name: String,
    /// Zero for a product received that was not on the note.
    pub expected: Quantity,
    pub received: Option<Quantity>,
    /// The unit cost HQ put on the line, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<rust_decimal::Decimal>,
}

impl DeliveryLine {
    /// Received minus expected (`None` before the note is received).
    pub fn difference(&self) -> Option<Quantity> {
        self.received.map(|r| r - self.expected)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryNote {
    pub id: i64,
    pub number: String,
    pub store_id: StoreId,
    pub supplier: String,
    pub expected_date: NaiveDate,
    pub status: DeliveryNoteStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    /// The till's `StockMovement` that received it.
    pub received_document_id: Option<String>,
    pub received_till_id: Option<TillId>,
    pub lines: Vec<DeliveryLine>,
}

impl DeliveryNote {
    /// What the store's tills get: the expected lines (products received off the note are not sent).
    pub fn record(&self) -> DeliveryNoteRecord {
        DeliveryNoteRecord {
            id: self.id,
            number: self.number.clone(),
            store_id: self.store_id,
            supplier: self.supplier.clone(),
            expected_date: self.expected_date,
            status: self.status,
            lines: self
                .lines
                .iter()
                .filter(|l| !l.expected.is_zero())
                .map(|l| DeliveryNoteLine {
                    product_id: l.product_id,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.expected,
                })
                .collect(),
        }
    }
}

/// Which notes to list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub store_id: Option<StoreId>,
    pub status: Option<DeliveryNoteStatus>,
}

#[async_trait]
pub trait DeliveryStorage: Send + Sync {
    /// Creates the note with its number and writes its `DeliveryNote` change for the store's tills
    /// in the same transaction. Unknown store or product is `Invalid`.
    async fn create_delivery_note(
        &self,
        n: &NewDeliveryNote,
        now: DateTime<Utc>,
    ) -> StorageResult<DeliveryNote>;
    /// Newest first.
    async fn list_delivery_notes(&self, f: &DeliveryFilter) -> StorageResult<Vec<DeliveryNote>>;
    async fn get_delivery_note(&self, id: i64) -> StorageResult<DeliveryNote>;
    /// The product with this exact SKU or barcode (for lines typed as "SKU or barcode ; quantity").
    async fn product_by_code(&self, code: &str) -> StorageResult<Option<super::Product>>;
}

// --- shared by both backends ----------------------------------------------------------------------

/// `ALB-2026-000123`: the year the note was created (Europe/Madrid) and its id.
pub fn note_number(id: i64, now: DateTime<Utc>) -> String {
    format!("ALB-{}-{id:06}", sql::business_day(now).year())
}

pub fn note_not_found(id: i64) -> super::StorageError {
    super::StorageError::NotFound(
        crate::problem::Problem::new("delivery_note_not_found").with("id", id),
    )
}

pub fn parse_status(s: &str) -> StorageResult<DeliveryNoteStatus> {
    DeliveryNoteStatus::parse(s).ok_or_else(|| {
        super::StorageError::Backend(format!("unknown delivery note status {s:?} in database"))
    })
}

pub fn change(n: &DeliveryNote) -> StorageResult<ChangeRow> {
    ChangeRow::for_store(n.store_id.0, &CatalogChange::DeliveryNote(n.record()))
}

/// The SELECT of a note's columns, in the order [`NoteRow`] takes them.
pub const NOTE_COLUMNS: &str = "id, COALESCE(number, ''), store_id, supplier, expected_date, status, created_by, \
     created_at, received_at, received_document_id, received_till_id";

/// A note's columns as read from either backend.
pub struct NoteRow {
    pub id: i64,
    pub number: String,
    pub store_id: i64,
    pub supplier: String,
    pub expected_date: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub received_at: Option<i64>,
    pub received_document_id: Option<String>,
    pub received_till_id: Option<i64>,
}

impl NoteRow {
    pub fn into_note(self, lines: Vec<DeliveryLine>) -> StorageResult<DeliveryNote> {
        Ok(DeliveryNote {
            id: self.id,
            number: self.number,
            store_id: StoreId(self.store_id),
            supplier: self.supplier,
            expected_date: sql::parse_day(&self.expected_date)?,
            status: parse_status(&self.status)?,
            created_by: self.created_by,
            created_at: sql::from_micros(self.created_at),
            received_at: sql::opt_from_micros(self.received_at),
            received_document_id: self.received_document_id,
            received_till_id: self.received_till_id.map(TillId),
            lines,
        })
    }
}

/// Lines of a note with product SKU and name: `note_id` is the only parameter.
pub const LINES_SQL: &str = "SELECT l.product_id, COALESCE(p.sku, ''), COALESCE(p.name, ''), l.expected_milli, l.received_milli,
       l.unit_cost_e4
     FROM delivery_note_lines l LEFT JOIN products p ON p.id = l.product_id
     WHERE l.note_id = ?1 ORDER BY l.line_no";

pub fn line(
    product_id: i64,
    sku: String,
    name: String,
    expected: i64,
    received: Option<i64>,
    unit_cost_e4: Option<i64>,
) -> DeliveryLine {
    DeliveryLine {
        product_id: ProductId(product_id),
        name: if name.is_empty() {
            format!("producto {product_id}")
        } else {
            name
        },
        sku,
        expected: Quantity::from_milli(expected),
        received: received.map(Quantity::from_milli),
        unit_cost: unit_cost_e4.map(crate::services::stock::cost_from_e4),
    }
}

/// The note number a pushed document names, if it is a receipt against a note.
pub fn named_note(doc: &Document) -> Option<(&str, BTreeMap<i64, i64>)> {
    let DocumentBody::StockMovement(m) = &doc.body else {
        return None;
    };
    let number = m.delivery_note.as_deref()?;
    let mut received: BTreeMap<i64, i64> = BTreeMap::new();
    for l in &m.lines {
        *received.entry(l.product_id.0).or_default() += l.quantity.milli();
    }
    Some((number.trim(), received))
}

/// What a receipt does to its note: the received quantity per existing line (by line number), the
/// products received that were not on the note, and the differences to report.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    /// (line_no, received_milli) for every line of the note.
    pub lines: Vec<(i64, i64)>,
    /// (product_id, received_milli) received but not expected.
    pub extra: Vec<(i64, i64)>,
    /// One sentence per differing line.
    pub differences: Vec<String>,
}

impl Receipt {
    pub fn status(&self) -> DeliveryNoteStatus {
        if self.differences.is_empty() {
            DeliveryNoteStatus::Received
        } else {
            DeliveryNoteStatus::ReceivedWithDifferences
        }
    }
}

/// Compares a receipt with the note's lines `(line_no, product_id, sku, expected_milli)`.
pub fn compare(
    note_lines: &[(i64, i64, String, i64)],
    mut received: BTreeMap<i64, i64>,
) -> Receipt {
    let mut r = Receipt::default();
    let label = |product: i64, sku: &str| {
        if sku.is_empty() {
            format!("producto {product}")
        } else {
            sku.to_string()
        }
    };
    for (line_no, product, sku, expected) in note_lines {
        let got = received.remove(product).unwrap_or(0);
        r.lines.push((*line_no, got));
        if got != *expected {
            r.differences.push(format!(
                "{}: expected {}, received {}",
                label(*product, sku),
                Quantity::from_milli(*expected),
                Quantity::from_milli(got)
            ));
        }
    }
    for (product, got) in received {
        if got == 0 {
            continue;
        }
        r.extra.push((product, got));
        r.differences.push(format!(
            "{}: not on the note, received {}",
            label(product, ""),
            Quantity::from_milli(got)
        ));
    }
    r
}

pub fn differences_message(number: &str, till_id: i64, r: &Receipt) -> String {
    format!(
        "delivery note {number} received at till {till_id} with differences: {}",
        r.differences.join("; ")
    )
}

pub fn unknown_note_message(number: &str, doc: &Document) -> String {
    format!(
        "till {}: stock receipt seq {} names delivery note {number:?}, which HQ does not have; the receipt was stored",
        doc.till_id, doc.seq
    )
}

pub fn other_store_message(number: &str, note_store: i64, doc: &Document) -> String {
    format!(
        "till {} of store {}: stock receipt seq {} names delivery note {number}, which belongs to store {note_store}; \
         the receipt was stored, the note left as it was",
        doc.till_id, doc.store_id, doc.seq
    )
}

pub fn already_received_message(number: &str, doc: &Document) -> String {
    format!(
        "till {}: stock receipt seq {} names delivery note {number}, which was already received; \
         the receipt was stored, the note left as it was",
        doc.till_id, doc.seq
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_short_and_with_an_extra_product() {
        let note = vec![
            (1, 10, "ACE".to_string(), 12_000),
            (2, 11, "AGU".to_string(), 6_000),
        ];
        let got = BTreeMap::from([(10, 11_000), (11, 6_000), (12, 2_000)]);
        let r = compare(&note, got);
        assert_eq!(r.lines, vec![(1, 11_000), (2, 6_000)]);
        assert_eq!(r.extra, vec![(12, 2_000)]);
        assert_eq!(r.status(), DeliveryNoteStatus::ReceivedWithDifferences);
        assert_eq!(
            r.differences,
            vec![
                "ACE: expected 12.000, received 11.000".to_string(),
                "producto 12: not on the note, received 2.000".to_string()
            ]
        );
        let exact = compare(&note, BTreeMap::from([(10, 12_000), (11, 6_000)]));
        assert_eq!(exact.status(), DeliveryNoteStatus::Received);
        let nothing = compare(&note, BTreeMap::new());
        assert_eq!(nothing.lines, vec![(1, 0), (2, 0)]);
        assert_eq!(nothing.differences.len(), 2);
    }

    #[test]
    fn numbers() {
        let t = "2026-12-31T23:30:00Z".parse().unwrap();
        // Already 2027 in Madrid.
        assert_eq!(note_number(123, t), "ALB-2027-000123");
    }
}
