//! Delivery notes on either backend: create, list, get, and the receipt push applies inside its
//! transaction.

use super::db::{Row, Tx};
use super::deliveries::{
    self as dn, DeliveryFilter, DeliveryNote, DeliveryStorage, NewDeliveryNote, NoteRow,
};
use super::ingest::alert_with;
use super::sql_storage::{SqlStorage, exists, load_product, write_change};
use super::{Product, StorageError, StorageResult, sql};
use crate::p;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{DeliveryNoteStatus, Document};

fn note_row(r: &Row) -> StorageResult<NoteRow> {
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

async fn load(tx: &mut dyn Tx, id: i64) -> StorageResult<DeliveryNote> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {} FROM delivery_notes WHERE id = ?1",
                dn::NOTE_COLUMNS
            ),
            p![id],
        )
        .await?
        .ok_or_else(|| dn::note_not_found(id))?;
    let lines = tx
        .query_map(dn::LINES_SQL, p![id], |r| {
            Ok(dn::line(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .await?;
    note_row(&row)?.into_note(lines)
}

/// Applies the receipts against delivery notes among `docs` (documents stored by this push).
pub(crate) async fn apply_receipts(
    tx: &mut dyn Tx,
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
                "SELECT id, store_id, status FROM delivery_notes WHERE number = ?1 FOR UPDATE",
                p![number],
            )
            .await?;
        let Some(found) = found else {
            let m = dn::unknown_note_message(number, doc);
            alert_with(
                tx,
                "delivery_unknown",
                till_id,
                &m,
                now_us,
                None,
                &serde_json::json!({ "number": number }),
            )
            .await?;
            continue;
        };
        let (note_id, store_id, status): (i64, i64, String) =
            (found.get(0)?, found.get(1)?, found.get(2)?);
        if store_id != doc.store_id.0 {
            let m = dn::other_store_message(number, store_id, doc);
            alert_with(
                tx,
                "delivery_unknown",
                till_id,
                &m,
                now_us,
                None,
                &serde_json::json!({ "number": number }),
            )
            .await?;
            continue;
        }
        if dn::parse_status(&status)? != DeliveryNoteStatus::Pending {
            let m = dn::already_received_message(number, doc);
            alert_with(
                tx,
                "delivery_difference",
                till_id,
                &m,
                now_us,
                None,
                &serde_json::json!({ "number": number }),
            )
            .await?;
            continue;
        }
        let note_lines: Vec<(i64, i64, String, i64)> = tx
            .query_map(
                "SELECT l.line_no, l.product_id, COALESCE(p.sku, ''), l.expected_milli
                 FROM delivery_note_lines l LEFT JOIN products p ON p.id = l.product_id
                 WHERE l.note_id = ?1 ORDER BY l.line_no",
                p![note_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .await?;
        let receipt = dn::compare(&note_lines, received);
        for (line_no, got) in &receipt.lines {
            tx.execute(
                "UPDATE delivery_note_lines SET received_milli = ?1 WHERE note_id = ?2 AND line_no = ?3",
                p![*got, note_id, *line_no],
            )
            .await?;
        }
        let mut next = note_lines.iter().map(|l| l.0).max().unwrap_or(0);
        for (product, got) in &receipt.extra {
            next += 1;
            tx.execute(
                "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli, received_milli)
                 VALUES (?1, ?2, ?3, 0, ?4)",
                p![note_id, next, *product, *got],
            )
            .await?;
        }
        tx.execute(
            "UPDATE delivery_notes SET status = ?1, received_at = ?2, received_document_id = ?3,
               received_till_id = ?4 WHERE id = ?5",
            p![
                receipt.status().as_str(),
                now_us,
                &doc.id.to_string(),
                till_id,
                note_id
            ],
        )
        .await?;
        if !receipt.differences.is_empty() {
            let m = dn::differences_message(number, till_id, &receipt);
            alert_with(
                tx,
                "delivery_difference",
                till_id,
                &m,
                now_us,
                None,
                &serde_json::json!({ "number": number }),
            )
            .await?;
        }
        // Every till of the store drops the note from its pending list.
        let note = load(tx, note_id).await?;
        super::sql_storage::write_changes_from_till(tx, vec![dn::change(&note)?]).await?;
    }
    Ok(())
}

/// Creates a note in `tx` with its number and writes its change for the store's tills (also used
/// by purchase orders and transfers, in their own transactions).
pub(crate) async fn create_in(
    tx: &mut dyn Tx,
    n: &NewDeliveryNote,
    now: DateTime<Utc>,
) -> StorageResult<DeliveryNote> {
    if !exists(tx, "SELECT 1 FROM stores WHERE id = ?1", n.store_id.0).await? {
        return Err(StorageError::Invalid(
            crate::problem::Problem::new("store_does_not_exist").with("id", n.store_id),
        ));
    }
    for (p, _) in &n.lines {
        if !exists(tx, "SELECT 1 FROM products WHERE id = ?1", p.0).await? {
            return Err(StorageError::Invalid(
                crate::problem::Problem::new("product_does_not_exist").with("id", p),
            ));
        }
    }
    let id = tx
        .insert_returning_id(
            "INSERT INTO delivery_notes (store_id, supplier, expected_date, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            p![
                n.store_id.0,
                &n.supplier,
                &sql::day_text(n.expected_date),
                &n.created_by,
                sql::micros(now)
            ],
        )
        .await?;
    tx.execute(
        "UPDATE delivery_notes SET number = ?1 WHERE id = ?2",
        p![&dn::note_number(id, now), id],
    )
    .await?;
    for (i, (p, q)) in n.lines.iter().enumerate() {
        let cost = n
            .unit_costs
            .iter()
            .find(|(c, _)| c == p)
            .map(|(_, c)| crate::services::stock::cost_to_e4(*c));
        tx.execute(
                "INSERT INTO delivery_note_lines (note_id, line_no, product_id, expected_milli, unit_cost_e4)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                p![id, i as i64 + 1, p.0, q.milli(), cost],
            )
            .await?;
    }
    let note = load(tx, id).await?;
    write_change(tx, dn::change(&note)?).await?;
    Ok(note)
}

#[async_trait]
impl DeliveryStorage for SqlStorage {
    async fn create_delivery_note(
        &self,
        n: &NewDeliveryNote,
        now: DateTime<Utc>,
    ) -> StorageResult<DeliveryNote> {
        let n = n.clone();
        self.db
            .write(move |tx| Box::pin(async move { create_in(tx, &n, now).await }))
            .await
    }

    async fn list_delivery_notes(&self, f: &DeliveryFilter) -> StorageResult<Vec<DeliveryNote>> {
        let f = f.clone();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let ids: Vec<i64> = tx
                        .query_map(
                            "SELECT id FROM delivery_notes WHERE (CAST(?1 AS BIGINT) IS NULL OR store_id = ?1)
                             AND (CAST(?2 AS TEXT) IS NULL OR status = ?2) ORDER BY id DESC",
                            p![f.store_id.map(|s| s.0), f.status.map(|s| s.as_str())],
                            |r| r.get(0),
                        )
                        .await?;
                    let mut out = Vec::with_capacity(ids.len());
                    for id in ids {
                        out.push(load(tx, id).await?);
                    }
                    Ok(out)
                })
            })
            .await
    }

    async fn get_delivery_note(&self, id: i64) -> StorageResult<DeliveryNote> {
        self.db
            .read(move |tx| Box::pin(async move { load(tx, id).await }))
            .await
    }

    async fn product_by_code(&self, code: &str) -> StorageResult<Option<Product>> {
        let code = code.trim().to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let id: Option<i64> = tx
                        .scalar_opt(
                            "SELECT id FROM products WHERE sku = ?1
                             UNION ALL SELECT product_id FROM barcodes WHERE code = ?1 LIMIT 1",
                            p![&code],
                        )
                        .await?;
                    match id {
                        Some(id) => Ok(Some(load_product(tx, id).await?)),
                        None => Ok(None),
                    }
                })
            })
            .await
    }
}
