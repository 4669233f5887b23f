//! Delivery notes on PostgreSQL: create, list, get, and the receipt push applies inside its transaction.

use super::{PostgresStorage, Tx, alert, exists, load_product, write_changes};
use crate::storage::deliveries::{
    self as dn, DeliveryFilter, DeliveryNote, DeliveryStorage, NewDeliveryNote, NoteRow,
};
use crate::storage::{Product, StorageError, StorageResult, sql};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{DeliveryNoteStatus, Document};
use tokio_postgres::GenericClient;

fn note_row(r: &tokio_postgres::Row) -> NoteRow {
    NoteRow {
        id: r.get(0),
        number: r.get(1),
        store_id: r.get(2),
        supplier: r.get(3),
        expected_date: r.get(4),
        status: r.get(5),
        created_by: r.get(6),
        created_at: r.get(7),
        received_at: r.get(8),
        received_document_id: r.get(9),
        received_till_id: r.get(10),
    }
}

async fn load(c: &impl GenericClient, id: i64) -> StorageResult<DeliveryNote> {
    let row = c
        .query_opt(
            &format!(
                "SELECT {} FROM delivery_notes WHERE id = $1",
                dn::NOTE_COLUMNS
            ),
            &[&id],
        )
        .await?
        .ok_or_else(|| dn::note_not_found(id))?;
    let lines = c
        .query(dn::LINES_SQL, &[&id])
        .await?
        .iter()
        .map(|r| dn::line(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    note_row(&row).into_note(lines)
}

/// Applies the receipts against delivery notes among `docs` (documents stored by this push).
pub(super) async fn apply_receipts(
    tx: &Tx<'_>,
    till_id: i64,
    docs: &[&Document],
    now_us: i64,
) -> StorageResult<()> {
    for doc in docs {
        let Some((number, received)) = dn::named_note(doc) else {
            continue;
        };
        // Two tills receiving the same note at once: the row lock makes the second one see it received.
        let found = tx
            .query_opt(
                "SELECT id, store_id, status FROM delivery_notes WHERE number = $1 FOR UPDATE",
                &[&number],
            )
            .await?;
        let Some(found) = found else {
            let m = dn::unknown_note_message(number, doc);
            alert(tx, "delivery_unknown", till_id, &m, now_us, None).await?;
            continue;
        };
        let (note_id, store_id, status): (i64, i64, String) =
            (found.get(0), found.get(1), found.get(2));
        if store_id != doc.store_id.0 {
            let m = dn::other_store_message(number, store_id, doc);
            alert(tx, "delivery_unknown", till_id, &m, now_us, None).await?;
            continue;
        }
        if dn::parse_status(&status)? != DeliveryNoteStatus::Pending {
            let m = dn::already_received_message(number, doc);
            alert(tx, "delivery_difference", till_id, &m, now_us, None).await?;
            continue;
        }
        let note_lines: Vec<(i64, i64, String, i64)> = tx
            .query(
                "SELECT l.line_no, l.product_id, COALESCE(p.sku, ''), l.expected_milli
                 FROM delivery_note_lines l LEFT JOIN products p ON p.id = l.product_id
                 WHERE l.note_id = $1 ORDER BY l.line_no",
                &[&note_id],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        let receipt = dn::compare(&note_lines, received);
        for (line_no, got) in &receipt.lines {
            tx.execute(
                "UPDATE delivery_note_lines SET received_milli = $1 WHERE note_id = $2 AND line_no = $3",
                &[got, &note_id, line_no],
            )
            .await?;
        }
        let mut next = note_lines.iter().map(|l| l.0).max().unwrap_or(0);
        for (product, got) in &receipt.extra {
            next += 1;
            tx.execute(
                "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli, received_milli)
                 VALUES ($1, $2, $3, 0, $4)",
                &[&note_id, &next, product, got],
            )
            .await?;
        }
        tx.execute(
            "UPDATE delivery_notes SET status = $1, received_at = $2, received_document_id = $3,
               received_till_id = $4 WHERE id = $5",
            &[
                &receipt.status().as_str(),
                &now_us,
                &doc.id.to_string(),
                &till_id,
                &note_id,
            ],
        )
        .await?;
        if !receipt.differences.is_empty() {
            let m = dn::differences_message(number, till_id, &receipt);
            alert(tx, "delivery_difference", till_id, &m, now_us, None).await?;
        }
        // Every till of the store drops the note from its pending list.
        let note = load(&**tx, note_id).await?;
        write_changes(tx, vec![dn::change(&note)?]).await?;
    }
    Ok(())
}

#[async_trait]
impl DeliveryStorage for PostgresStorage {
    async fn create_delivery_note(
        &self,
        n: &NewDeliveryNote,
        now: DateTime<Utc>,
    ) -> StorageResult<DeliveryNote> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !exists(&*tx, "SELECT 1 FROM stores WHERE id = $1", n.store_id.0).await? {
            return Err(StorageError::Invalid(format!(
                "store {} does not exist",
                n.store_id
            )));
        }
        for (p, _) in &n.lines {
            if !exists(&*tx, "SELECT 1 FROM products WHERE id = $1", p.0).await? {
                return Err(StorageError::Invalid(format!("product {p} does not exist")));
            }
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO delivery_notes (store_id, supplier, expected_date, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &n.store_id.0,
                    &n.supplier,
                    &sql::day_text(n.expected_date),
                    &n.created_by,
                    &sql::micros(now),
                ],
            )
            .await?
            .get(0);
        tx.execute(
            "UPDATE delivery_notes SET number = $1 WHERE id = $2",
            &[&dn::note_number(id, now), &id],
        )
        .await?;
        for (i, (p, q)) in n.lines.iter().enumerate() {
            tx.execute(
                "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli)
                 VALUES ($1, $2, $3, $4)",
                &[&id, &(i as i64 + 1), &p.0, &q.milli()],
            )
            .await?;
        }
        let note = load(&*tx, id).await?;
        write_changes(&tx, vec![dn::change(&note)?]).await?;
        tx.commit().await?;
        Ok(note)
    }

    async fn list_delivery_notes(&self, f: &DeliveryFilter) -> StorageResult<Vec<DeliveryNote>> {
        let c = self.client().await?;
        let store = f.store_id.map(|s| s.0);
        let status = f.status.map(|s| s.as_str());
        let ids: Vec<i64> = c
            .query(
                "SELECT id FROM delivery_notes WHERE ($1::BIGINT IS NULL OR store_id = $1)
                 AND ($2::TEXT IS NULL OR status = $2) ORDER BY id DESC",
                &[&store, &status],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load(&**c, id).await?);
        }
        Ok(out)
    }

    async fn get_delivery_note(&self, id: i64) -> StorageResult<DeliveryNote> {
        let c = self.client().await?;
        load(&**c, id).await
    }

    async fn product_by_code(&self, code: &str) -> StorageResult<Option<Product>> {
        let c = self.client().await?;
        let code = code.trim();
        let id: Option<i64> = c
            .query_opt(
                "SELECT id FROM products WHERE sku = $1
                 UNION ALL SELECT product_id FROM barcodes WHERE code = $1 LIMIT 1",
                &[&code],
            )
            .await?
            .map(|r| r.get(0));
        match id {
            Some(id) => Ok(Some(load_product(&**c, id).await?)),
            None => Ok(None),
        }
    }
}
