//! Delivery notes on SQLite: create, list, get, and the receipt push applies inside its transaction.

use super::{SqliteStorage, alert, load_product, write_change};
use crate::storage::deliveries::{
    self as dn, DeliveryFilter, DeliveryNote, DeliveryStorage, NewDeliveryNote, NoteRow,
};
use crate::storage::{Product, StorageError, StorageResult, sql};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sync_protocol::{DeliveryNoteStatus, Document};

fn note_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NoteRow> {
    Ok(NoteRow {
        id: r.get(0)?,
        number: r.get(1)?,
        store_id: r.get(2)?,
        supplier: r.get(3)?,
        expected_date: r.get(4)?,
        status: r.get(5)?,
        created_by: r.get(6)?,
        created_at: r.get(7)?,
        received_at: r.get(8)?,
        received_document_id: r.get(9)?,
        received_till_id: r.get(10)?,
    })
}

fn lines(c: &Connection, id: i64) -> StorageResult<Vec<dn::DeliveryLine>> {
    let mut st = c.prepare_cached(dn::LINES_SQL)?;
    let v = st
        .query_map([id], |r| {
            Ok(dn::line(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

fn load(c: &Connection, id: i64) -> StorageResult<DeliveryNote> {
    let row = c
        .prepare_cached(&format!(
            "SELECT {} FROM delivery_notes WHERE id = ?1",
            dn::NOTE_COLUMNS
        ))?
        .query_row([id], note_row)
        .optional()?
        .ok_or_else(|| dn::note_not_found(id))?;
    row.into_note(lines(c, id)?)
}

/// Applies the receipts against delivery notes among `docs` (documents stored by this push).
pub(super) fn apply_receipts(
    c: &Connection,
    till_id: i64,
    docs: &[&Document],
    now_us: i64,
) -> StorageResult<()> {
    for doc in docs {
        let Some((number, received)) = dn::named_note(doc) else {
            continue;
        };
        let found: Option<(i64, i64, String)> = c
            .prepare_cached("SELECT id, store_id, status FROM delivery_notes WHERE number = ?1")?
            .query_row([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((note_id, store_id, status)) = found else {
            let m = dn::unknown_note_message(number, doc);
            alert(c, "delivery_unknown", till_id, &m, now_us, None)?;
            continue;
        };
        if store_id != doc.store_id.0 {
            let m = dn::other_store_message(number, store_id, doc);
            alert(c, "delivery_unknown", till_id, &m, now_us, None)?;
            continue;
        }
        if dn::parse_status(&status)? != DeliveryNoteStatus::Pending {
            let m = dn::already_received_message(number, doc);
            alert(c, "delivery_difference", till_id, &m, now_us, None)?;
            continue;
        }
        let note_lines: Vec<(i64, i64, String, i64)> = c
            .prepare_cached(
                "SELECT l.line_no, l.product_id, COALESCE(p.sku, ''), l.expected_milli
                 FROM delivery_note_lines l LEFT JOIN products p ON p.id = l.product_id
                 WHERE l.note_id = ?1 ORDER BY l.line_no",
            )?
            .query_map([note_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let receipt = dn::compare(&note_lines, received);
        let mut set = c.prepare_cached(
            "UPDATE delivery_note_lines SET received_milli = ?1 WHERE note_id = ?2 AND line_no = ?3",
        )?;
        for (line_no, got) in &receipt.lines {
            set.execute(params![got, note_id, line_no])?;
        }
        let mut next = note_lines.iter().map(|l| l.0).max().unwrap_or(0);
        let mut add = c.prepare_cached(
            "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli, received_milli)
             VALUES (?1, ?2, ?3, 0, ?4)",
        )?;
        for (product, got) in &receipt.extra {
            next += 1;
            add.execute(params![note_id, next, product, got])?;
        }
        c.prepare_cached(
            "UPDATE delivery_notes SET status = ?1, received_at = ?2, received_document_id = ?3,
               received_till_id = ?4 WHERE id = ?5",
        )?
        .execute(params![
            receipt.status().as_str(),
            now_us,
            doc.id.to_string(),
            till_id,
            note_id
        ])?;
        if !receipt.differences.is_empty() {
            let m = dn::differences_message(number, till_id, &receipt);
            alert(c, "delivery_difference", till_id, &m, now_us, None)?;
        }
        // Every till of the store drops the note from its pending list.
        write_change(c, dn::change(&load(c, note_id)?)?)?;
    }
    Ok(())
}

#[async_trait]
impl DeliveryStorage for SqliteStorage {
    async fn create_delivery_note(
        &self,
        n: &NewDeliveryNote,
        now: DateTime<Utc>,
    ) -> StorageResult<DeliveryNote> {
        let n = n.clone();
        self.write(move |tx| {
            if !super::exists(tx, "SELECT 1 FROM stores WHERE id = ?1", n.store_id.0)? {
                return Err(StorageError::Invalid(format!(
                    "store {} does not exist",
                    n.store_id
                )));
            }
            for (p, _) in &n.lines {
                if !super::exists(tx, "SELECT 1 FROM products WHERE id = ?1", p.0)? {
                    return Err(StorageError::Invalid(format!("product {p} does not exist")));
                }
            }
            tx.execute(
                "INSERT INTO delivery_notes (store_id, supplier, expected_date, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    n.store_id.0,
                    n.supplier,
                    sql::day_text(n.expected_date),
                    n.created_by,
                    sql::micros(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE delivery_notes SET number = ?1 WHERE id = ?2",
                params![dn::note_number(id, now), id],
            )?;
            for (i, (p, q)) in n.lines.iter().enumerate() {
                tx.execute(
                    "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, i as i64 + 1, p.0, q.milli()],
                )?;
            }
            let note = load(tx, id)?;
            write_change(tx, dn::change(&note)?)?;
            Ok(note)
        })
        .await
    }

    async fn list_delivery_notes(&self, f: &DeliveryFilter) -> StorageResult<Vec<DeliveryNote>> {
        let f = f.clone();
        self.run(move |c| {
            let ids: Vec<i64> = c
                .prepare_cached(
                    "SELECT id FROM delivery_notes WHERE (?1 IS NULL OR store_id = ?1)
                     AND (?2 IS NULL OR status = ?2) ORDER BY id DESC",
                )?
                .query_map(
                    params![f.store_id.map(|s| s.0), f.status.map(|s| s.as_str())],
                    |r| r.get(0),
                )?
                .collect::<Result<_, _>>()?;
            ids.into_iter().map(|id| load(c, id)).collect()
        })
        .await
    }

    async fn get_delivery_note(&self, id: i64) -> StorageResult<DeliveryNote> {
        self.run(move |c| load(c, id)).await
    }

    async fn product_by_code(&self, code: &str) -> StorageResult<Option<Product>> {
        let code = code.trim().to_string();
        self.run(move |c| {
            let id: Option<i64> = c
                .prepare_cached(
                    "SELECT id FROM products WHERE sku = ?1
                     UNION ALL SELECT product_id FROM barcodes WHERE code = ?1 LIMIT 1",
                )?
                .query_row([&code], |r| r.get(0))
                .optional()?;
            id.map(|id| load_product(c, id)).transpose()
        })
        .await
    }
}
