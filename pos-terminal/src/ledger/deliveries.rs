//! HQ's delivery notes (albaranes) at the till: kept from the change log, listed while pending, and
//! received by one `StockMovement` that names the note, recorded in the same transaction that marks
//! the note received here (so it leaves the pending list even before HQ hears of it; works offline).

use rusqlite::{OptionalExtension, Transaction, params};
use sync_protocol::{
    DeliveryNoteLine, DeliveryNoteRecord, DeliveryNoteStatus, Document, DocumentBody,
    StockMovement, StockMovementKind, StoreId,
};

use super::{Ledger, LedgerError, Result};

/// A note as this till holds it: HQ's record and, once received here, the receiving document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDeliveryNote {
    pub note: DeliveryNoteRecord,
    /// Sequence of this till's `StockMovement` that received it.
    pub received_seq: Option<u64>,
}

impl LocalDeliveryNote {
    /// Still to be received: HQ says pending and this till has not received it.
    pub fn is_pending(&self) -> bool {
        self.note.status == DeliveryNoteStatus::Pending && self.received_seq.is_none()
    }
}

fn bad(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Invalid(format!("stored delivery note cannot be read: {e}"))
}

type Row = (i64, String, String, String, String, String, Option<i64>);

const COLUMNS: &str =
    "id, number, supplier, expected_date, status, lines_json, received_seq FROM delivery_notes";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_note(store_id: StoreId, r: Row) -> Result<LocalDeliveryNote> {
    let (id, number, supplier, date, status, lines, received) = r;
    let lines: Vec<DeliveryNoteLine> = serde_json::from_str(&lines).map_err(bad)?;
    Ok(LocalDeliveryNote {
        note: DeliveryNoteRecord {
            id,
            number,
            store_id,
            supplier,
            expected_date: date.parse().map_err(bad)?,
            status: DeliveryNoteStatus::parse(&status)
                .ok_or_else(|| bad(format!("status {status:?}")))?,
            lines,
        },
        received_seq: received.map(|s| s as u64),
    })
}

/// Applies a `DeliveryNote` change. A note of another store is ignored (HQ never sends one). HQ's
/// status replaces the stored one; a receipt made here is kept.
pub(super) fn apply(tx: &Transaction<'_>, n: &DeliveryNoteRecord) -> Result<()> {
    if let Some(me) = super::read_identity(tx)?
        && me.store_id != n.store_id
    {
        tracing::warn!(number = %n.number, "delivery note of another store ignored");
        return Ok(());
    }
    let lines = serde_json::to_string(&n.lines)
        .map_err(|e| LedgerError::Invalid(format!("cannot serialise delivery note: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO delivery_notes (id, number, supplier, expected_date, status, lines_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET number = excluded.number, supplier = excluded.supplier,
           expected_date = excluded.expected_date, status = excluded.status, lines_json = excluded.lines_json",
    )?
    .execute(params![
        n.id,
        n.number,
        n.supplier,
        n.expected_date.to_string(),
        n.status.as_str(),
        lines
    ])?;
    Ok(())
}

impl Ledger {
    fn store_id(&self) -> Result<StoreId> {
        Ok(super::read_identity(&self.conn)?
            .ok_or(LedgerError::NotEnrolled)?
            .store_id)
    }

    /// Notes still to receive here, by expected date then number.
    pub fn pending_delivery_notes(&self) -> Result<Vec<LocalDeliveryNote>> {
        let store = self.store_id()?;
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} WHERE status = 'pending' AND received_seq IS NULL
             ORDER BY expected_date, number"
        ))?;
        let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(|r| to_note(store, r)).collect()
    }

    /// A note by its number, pending or not.
    pub fn delivery_note(&self, number: &str) -> Result<Option<LocalDeliveryNote>> {
        let store = self.store_id()?;
        let r = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} WHERE number = ?1"))?
            .query_row([number.trim()], row)
            .optional()?;
        r.map(|r| to_note(store, r)).transpose()
    }

    /// Records a receipt against a pending note and marks the note received here, in one
    /// transaction. Refuses a movement that is not a receipt naming this note, or a note that is
    /// unknown or no longer pending.
    pub fn record_delivery_receipt(&mut self, movement: StockMovement) -> Result<Document> {
        let number = match (&movement.kind, &movement.delivery_note) {
            (StockMovementKind::Receipt, Some(n)) => n.clone(),
            _ => {
                return Err(LedgerError::Invalid(
                    "a delivery receipt is a Receipt that names its delivery note".into(),
                ));
            }
        };
        let mut body = Some(DocumentBody::StockMovement(movement));
        self.append_with(false, |tx, _, _| {
            // The counter was bumped in this transaction: its last_seq is this document's.
            let n = tx.execute(
                "UPDATE delivery_notes SET received_seq = (SELECT last_seq FROM counter WHERE id = 1)
                 WHERE number = ?1 AND status = 'pending' AND received_seq IS NULL",
                [&number],
            )?;
            if n == 0 {
                return Err(LedgerError::Invalid(format!(
                    "delivery note {number} is not pending at this till"
                )));
            }
            body.take()
                .ok_or_else(|| LedgerError::Invalid("internal: body already used".to_string()))
        })
    }
}
